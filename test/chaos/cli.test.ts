// `raftlab chaos` options: parsed into a plan; a bad option is one line on stderr and exit 64.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

  it("takes a cluster file with --target, its size from the file, and refuses what does not fit", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "raftlab-chaos-target-"));
    try {
      const file = path.join(dir, "cluster.yaml");
      const node = (id: number): string =>
        `  - { id: ${id}, client: "http://10.77.0.1${id}:7001", peer: "ws://10.77.0.1${id}:7101" }\n`;
      writeFileSync(path.join(dir, "cluster.secret"), "0123456789abcdef0123456789abcdef\n");
      writeFileSync(file, `nodes:\n${node(1)}${node(2)}${node(3)}secretFile: cluster.secret\n`);
      const plan = parseChaosOptions(["--target", file, "--duration", "3"]);
      if (plan === "help") throw new Error("expected a plan");
      expect(plan.base.nodes).toBe(3);
      expect(plan.base.target).toMatchObject({ adminToken: "0123456789abcdef0123456789abcdef" });
      expect(plan.base.target?.spec.file).toBe(file);
      expect(() => parseChaosOptions(["--target", file, "--nodes", "3"])).toThrow(
        "--nodes conflicts with --target: the cluster file names the nodes",
      );
      writeFileSync(file, `nodes:\n${node(1)}${node(2)}${node(5)}`);
      expect(() => parseChaosOptions(["--target", file])).toThrow(/chaos needs the node ids to be 1\.\.3, got 1, 2, 5/);
      expect(() => parseChaosOptions(["--target", path.join(dir, "absent.yaml")])).toThrow(
        /--target: cannot read .*absent\.yaml: ENOENT/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints its help", async () => {
    const io = captureOutput();
    expect(await chaosCommand(["--help"])).toBe(0);
    expect(io.out.join("")).toContain("--runs N");
    expect(io.out.join("")).toContain("--target FILE");
  });
});
