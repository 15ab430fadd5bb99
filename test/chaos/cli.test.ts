// `raftlab chaos` options: parsed into a plan; a bad option is one line on stderr and exit 64.

import { afterEach, describe, expect, it, vi } from "vitest";
import { chaosCommand, parseChaosOptions } from "../../src/cli/chaos.ts";
import { formatFlags } from "../../src/core/flags.ts";
import { captureOutput } from "../support/capture.ts";

afterEach(() => vi.restoreAllMocks());

describe("raftlab chaos options", () => {
  it("parses every option", () => {
    const plan = parseChaosOptions([
      "--nodes",
      "5",
      "--flags",
      "all-combos",
      "--duration",
      "2.5",
      "--runs",
      "3",
      "--seed",
      "99",
      "--clients",
      "4",
      "--keys",
      "2",
      "--out",
      "x/y",
    ]);
    if (plan === "help") throw new Error("expected a plan");
    expect(plan.combos.map(formatFlags)).toHaveLength(16);
    expect(plan).toMatchObject({
      runs: 3,
      seed: 99,
      base: { nodes: 5, durationS: 2.5, clients: 4, keys: 2, outDir: "x/y" },
    });
    const defaults = parseChaosOptions([]);
    if (defaults === "help") throw new Error("expected a plan");
    expect(defaults.combos.map(formatFlags)).toEqual(["batch+pipeline+parallel-append+async-apply"]);
    expect(defaults.seed).toBeNull();
    expect(defaults.base.outDir).toBe("reports/chaos");
  });

  for (const bad of [
    ["--nodes", "0"],
    ["--flags", "turbo"],
    ["--duration", "soon"],
    ["--runs", "-1"],
    ["--seed", "1.5"],
    ["--bogus"],
    ["--keys"],
    ["extra"],
  ]) {
    it(`rejects ${bad.join(" ")} with one line and exit 64`, async () => {
      const io = captureOutput();
      expect(await chaosCommand(bad)).toBe(64);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(/^raftlab chaos: .+\n$/);
      expect(io.err[0]!.trim().split("\n")).toHaveLength(1);
      expect(io.out).toEqual([]);
    });
  }

  it("prints its help", async () => {
    const io = captureOutput();
    expect(await chaosCommand(["--help"])).toBe(0);
    expect(io.out.join("")).toContain("--runs N");
  });
});
