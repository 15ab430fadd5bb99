import { describe, expect, it } from "vitest";
import { benchCommand } from "../../src/cli/bench.ts";
import { UsageError } from "../../src/cli/options.ts";
import { planCells, scenarios } from "../../bench/plan.ts";
import type { SweepOptions } from "../../bench/sweep-options.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";

function parse(argv: string[]): SweepOptions {
  const o = parseBenchOptions(argv);
  if (o === "help") throw new Error("unexpected help");
  return o;
}

describe("bench options", () => {
  it("defaults to the quick preset: 16 combinations × sizes 3 and 5 at 128 connections", () => {
    const o = parse([]);
    expect(o.preset).toBe("quick");
    expect(o.sizes).toEqual([3, 5]);
    expect(o.connections).toEqual([128]);
    expect(o.rates).toEqual([]);
    const cells = planCells(o);
    expect(cells).toHaveLength(32);
    expect(new Set(cells.map((c) => c.flags)).size).toBe(16);
    expect(cells.every((c) => c.system === "raftlab" && c.warmupS > 0)).toBe(true);
  });

  it("full preset: sizes 1,3,5,7, connections 1,8,32,128, 3 reps, net delay and fsync delay sweeps", () => {
    const o = parse(["--preset", "full"]);
    expect(o.sizes).toEqual([1, 3, 5, 7]);
    expect(o.connections).toEqual([1, 8, 32, 128]);
    expect(o.reps).toBe(3);
    expect(scenarios(o)).toEqual([
      { netDelayMs: 0, fsyncDelayUs: 0, applyCostUs: 0 },
      { netDelayMs: 1, fsyncDelayUs: 0, applyCostUs: 0 },
      { netDelayMs: 5, fsyncDelayUs: 0, applyCostUs: 0 },
      { netDelayMs: 0, fsyncDelayUs: 1000, applyCostUs: 0 },
      { netDelayMs: 0, fsyncDelayUs: 5000, applyCostUs: 0 },
    ]);
    expect(planCells(o)).toHaveLength(3 * 5 * 4 * 4 * 16);
  });

  it("parses lists, open-loop rates, the peer and node options after --", () => {
    const o = parse(["--flags", "none,all", "--sizes", "1,3", "--rate", "100,200", "--peer", "etcd", "--", "--tick-ms", "10"]);
    expect(o.connections).toEqual([]);
    expect(o.rates).toEqual([100, 200]);
    expect(o.nodeArgs).toEqual(["--tick-ms", "10"]);
    const cells = planCells(o);
    // (2 combos + etcd) × 2 sizes × 2 rates
    expect(cells).toHaveLength(12);
    expect(cells.filter((c) => c.system === "etcd").every((c) => c.flags === "etcd" && c.connections === null)).toBe(true);
  });

  it("runs the peer only where raftlab's emulated environment is off", () => {
    const cells = planCells(parse(["--flags", "none", "--sizes", "3", "--peer", "etcd", "--fsync-delay-us", "0,1000"]));
    expect(cells.map((c) => `${c.system}:${c.fsyncDelayUs}`)).toEqual(["raftlab:0", "etcd:0", "raftlab:1000"]);
  });

  it.each([
    [["--sizes", "0"], "--sizes"],
    [["--sizes", "3,,5"], "--sizes"],
    [["--connections", "many"], "--connections"],
    [["--flags", "batch+turbo"], "--flags"],
    [["--read-ratio", "1.5"], "--read-ratio"],
    [["--key-dist", "pareto"], "--key-dist"],
    [["--key-dist", "zipf"], "--keys"],
    [["--preset", "huge"], "--preset"],
    [["--peer", "zookeeper"], "--peer"],
    [["--duration=-1"], "--duration"],
    [["--fsync-delay-us", "0,1.5"], "--fsync-delay-us"],
  ])("rejects %j with a one-line usage error naming %s", async (argv, name) => {
    expect(() => parseBenchOptions(argv)).toThrow(UsageError);
    let out = "";
    let err = "";
    expect(await benchCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) })).toBe(64);
    expect(out).toBe("");
    expect(err).toMatch(/^raftlab bench: /);
    expect(err).toContain(name);
    expect(err.trim()).not.toContain("\n");
  });

  it("prints help", () => {
    expect(parseBenchOptions(["--help"])).toBe("help");
  });
});
