import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeArgsFor } from "../../bench/cell.ts";
import { planCells, scenarios } from "../../bench/plan.ts";
import { measurementKey } from "../../bench/report/aggregate.ts";
import { envKey } from "../../bench/report/effects.ts";
import { optionsRecord, type SweepOptions } from "../../bench/sweep-options.ts";
import { benchCommand } from "../../src/cli/bench.ts";
import { BENCH_USAGE, parseBenchOptions } from "../../src/cli/bench-options.ts";
import { parseNodeOptions } from "../../src/cli/node.ts";
import { UsageError } from "../../src/cli/options.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";

function parse(argv: string[]): SweepOptions {
  const o = parseBenchOptions(argv);
  if (o === "help") throw new Error("unexpected help");
  return o;
}

describe("bench options", () => {
  it("defaults to the quick preset: 16 combinations × sizes 3 and 5 × loopback once and dc twice at 128 connections", () => {
    const o = parse([]);
    expect(o.preset).toBe("quick");
    expect(o.sizes).toEqual([3, 5]);
    expect(o.connections).toEqual([128]);
    expect(o.rates).toEqual([]);
    expect(o.env).toEqual([
      { name: "loopback", reps: null },
      { name: "dc", reps: 2 },
    ]);
    expect(scenarios(o)).toEqual([
      { netDelayMs: 0, fsyncDelayUs: 0, applyCostUs: 0 },
      { netDelayMs: 0.25, fsyncDelayUs: 1000, applyCostUs: 100, reps: 2 },
    ]);
    expect([o.warmupS, o.durationS, o.reps, o.order]).toEqual([1, 2, 1, "shuffled"]);
    const cells = planCells(o);
    expect(cells).toHaveLength(96);
    expect(cells.every((c) => c.system === "raftlab" && c.warmupS > 0)).toBe(true);
    // Every environment × size × repetition holds the full factorial; loopback runs once, dc twice.
    for (const size of [3, 5]) {
      for (const [fsyncDelayUs, reps] of [
        [0, 1],
        [1000, 2],
      ] as const) {
        for (let rep = 0; rep < 2; rep++) {
          const flags = cells
            .filter((c) => c.size === size && c.fsyncDelayUs === fsyncDelayUs && c.rep === rep)
            .map((c) => c.flags);
          expect(new Set(flags).size).toBe(rep < reps ? 16 : 0);
          expect(flags).toHaveLength(rep < reps ? 16 : 0);
        }
      }
    }
    // Repetitions stay whole: every cell of rep 0 comes before any of rep 1.
    expect(cells.slice(0, 64).every((c) => c.rep === 0)).toBe(true);
  });

  it("takes a repetition count per environment, and refuses a bad one or a repeated name", () => {
    const o = parse(["--env", "dc:3,loopback", "--reps", "2"]);
    const count = (fsyncDelayUs: number) => planCells(o).filter((c) => c.fsyncDelayUs === fsyncDelayUs).length;
    expect(count(1000)).toBe(3 * 16 * 2);
    expect(count(0)).toBe(2 * 16 * 2);
    expect(() => parse(["--env", "dc:0"])).toThrow(/--env dc:REPS/);
    expect(() => parse(["--env", "dc:2:3"])).toThrow(/--env/);
    expect(() => parse(["--env", "dc,dc:2"])).toThrow(/twice/);
  });

  it("shuffles the cells of each repetition by the seed, and replays the same order from it", () => {
    const shuffled = planCells(parse(["--seed", "7", "--reps", "2"]));
    const key = (c: { flags: string; size: number; fsyncDelayUs: number; rep: number }) =>
      `${c.rep}:${c.size}:${c.fsyncDelayUs}:${c.flags}`;
    const grouped = planCells(parse(["--seed", "7", "--reps", "2", "--order", "grouped"]));
    expect(planCells(parse(["--seed", "7", "--reps", "2"])).map(key)).toEqual(shuffled.map(key));
    expect(shuffled.map(key)).not.toEqual(grouped.map(key));
    expect(shuffled.map(key).sort()).toEqual(grouped.map(key).sort());
    expect(planCells(parse(["--seed", "8", "--reps", "2"])).map(key)).not.toEqual(shuffled.map(key));
    // Repetitions stay whole: the first 64 cells are rep 0 (an interrupted run keeps whole repetitions).
    expect(shuffled.slice(0, 64).every((c) => c.rep === 0)).toBe(true);
    // Grouped runs one environment after the other; shuffled interleaves them from the start.
    expect(new Set(grouped.slice(0, 16).map((c) => c.fsyncDelayUs)).size).toBe(1);
    expect(new Set(shuffled.slice(0, 16).map((c) => c.fsyncDelayUs)).size).toBe(2);
    // The seed is recorded for results.json, drawn at random when not given.
    expect(optionsRecord(parse(["--seed", "7"])).seed).toBe(7);
    expect(Number.isInteger(parse([]).seed)).toBe(true);
  });

  it("sweeps the knob lists one at a time instead of the named environments when they are given", () => {
    const o = parse(["--net-delay", "0,2"]);
    expect(o.env).toEqual([]);
    expect(scenarios(o)).toEqual([
      { netDelayMs: 0, fsyncDelayUs: 0, applyCostUs: 0 },
      { netDelayMs: 2, fsyncDelayUs: 0, applyCostUs: 0 },
    ]);
    expect(scenarios(parse(["--env", "dc"]))).toEqual([{ netDelayMs: 0.25, fsyncDelayUs: 1000, applyCostUs: 100 }]);
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
    const o = parse([
      "--flags",
      "none,all",
      "--sizes",
      "1,3",
      "--rate",
      "100,200",
      "--peer",
      "etcd",
      "--",
      "--tick-ms",
      "10",
    ]);
    expect(o.connections).toEqual([]);
    expect(o.rates).toEqual([100, 200]);
    expect(o.nodeArgs).toEqual(["--tick-ms", "10"]);
    expect(o.stateMachine).toBe("kv");
    expect(parse(["--state-machine", "noop"]).stateMachine).toBe("noop");
    const cells = planCells(o);
    // (2 combos × (loopback once + dc twice) + etcd, on loopback only) × 2 sizes × 2 rates
    expect(cells).toHaveLength(28);
    expect(cells.filter((c) => c.system === "etcd").every((c) => c.flags === "etcd" && c.connections === null)).toBe(
      true,
    );
  });

  it("runs the peer only where raftlab's emulated environment is off", () => {
    const cells = planCells(
      parse(["--flags", "none", "--sizes", "3", "--peer", "etcd", "--fsync-delay-us", "0,1000", "--order", "grouped"]),
    );
    expect(cells.map((c) => `${c.system}:${c.fsyncDelayUs}`)).toEqual(["raftlab:0", "etcd:0", "raftlab:1000"]);
  });

  it("sweeps knob lists like the environment lists, and gives each cell's knobs to its nodes", () => {
    const o = parse([
      "--flags",
      "all",
      "--sizes",
      "3",
      "--env",
      "loopback",
      "--order",
      "grouped",
      "--max-inflight",
      "1,2,4,16,64",
      "--max-batch-entries",
      "64,512",
      "--peer",
      "etcd",
    ]);
    expect(o.knobs).toEqual({ maxInflight: [1, 2, 4, 16, 64], maxBatchEntries: [64, 512] });
    const cells = planCells(o);
    // The base scenario (1, 64) with etcd, then the other windows, then the other batch size.
    expect(cells.map((c) => `${c.system}:${c.maxInflight}:${c.maxBatchEntries}`)).toEqual([
      "raftlab:1:64",
      "etcd:undefined:undefined",
      "raftlab:2:64",
      "raftlab:4:64",
      "raftlab:16:64",
      "raftlab:64:64",
      "raftlab:1:512",
    ]);
    const args = nodeArgsFor(cells[3]!);
    expect(args.slice(args.indexOf("--max-inflight"), args.indexOf("--max-inflight") + 2)).toEqual([
      "--max-inflight",
      "4",
    ]);
    // What the bench passes, the node parses into the core's knobs.
    const node = parseNodeOptions(["--id", "1", "--peers", "1=127.0.0.1:7001:7101", "--data-dir", "/tmp/x", ...args]);
    expect(node !== "help" && node.knobs).toMatchObject({ maxInflight: 4, maxBatchEntries: 64 });
    // Without knob lists, cells carry none and nodes keep their defaults.
    const plain = planCells(parse(["--flags", "all", "--sizes", "3"]))[0]!;
    expect("maxInflight" in plain).toBe(false);
    expect(nodeArgsFor(plain)).not.toContain("--max-inflight");
  });

  it.each([
    [["--max-inflight", "0,4"], "--max-inflight"],
    [["--max-inflight-bytes", "x"], "--max-inflight-bytes"],
    [["--max-batch-entries", "2.5"], "--max-batch-entries"],
    [["--max-apply-bytes", "1,,2"], "--max-apply-bytes"],
    [["--sizes", "0"], "--sizes"],
    [["--sizes", "3,,5"], "--sizes"],
    [["--connections", "many"], "--connections"],
    [["--flags", "batch+turbo"], "--flags"],
    [["--read-ratio", "1.5"], "--read-ratio"],
    [["--key-dist", "pareto"], "--key-dist"],
    [["--key-dist", "zipf"], "--keys"],
    [["--state-machine", "sql"], "--state-machine"],
    [["--state-machine", "noop", "--read-ratio", "0.5"], "--read-ratio 0"],
    [["--preset", "huge"], "--preset"],
    [["--peer", "zookeeper"], "--peer"],
    [["--duration=-1"], "--duration"],
    [["--fsync-delay-us", "0,1.5"], "--fsync-delay-us"],
    [["--env", "moon"], "--env"],
    [["--env", "dc", "--apply-cost-us", "50"], "--env"],
    [["--order", "random"], "--order"],
    [["--seed", "x"], "--seed"],
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

  it("takes a short calibration by default, a full one, none, or one from a file", () => {
    expect(parse([]).calibrate).toEqual({ kind: "short" });
    expect(parse(["--calibrate", "full"]).calibrate).toEqual({ kind: "full" });
    expect(parse(["--calibrate", "off"]).calibrate).toBeNull();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "raftlab-cal-")), "calibration.json");
    const cal = SAMPLE_CALIBRATION;
    writeFileSync(file, JSON.stringify(cal));
    const o = parse(["--calibrate", file]);
    expect(o.calibrate).toEqual({ file, calibration: cal });
    // The run records the file once: the calibration itself goes into results.json on its own.
    expect(optionsRecord(o).calibrate).toEqual({ file });
    expect(() => parse(["--calibrate", "long"])).toThrow(/--calibrate: "long" is not short, full, off/);
    expect(() => parse(["--calibrate", "/nonexistent/c.json"])).toThrow(/cannot read calibration/);
  });

  it("crosses --read-mode with raftlab's combinations: lease reaches the nodes, stale the load generator", () => {
    const o = parse([
      ...["--flags", "none,all", "--sizes", "3", "--connections", "32", "--read-ratio", "0.9"],
      ...["--read-mode", "readindex, lease,stale,lease", "--peer", "etcd", "--env", "loopback"],
    ]);
    expect(o.readModes).toEqual(["readindex", "lease", "stale"]);
    const cells = planCells(o);
    const raftlab = cells.filter((c) => c.system === "raftlab");
    const all = "batch+pipeline+parallel-append+async-apply";
    expect(raftlab.map((c) => `${c.flags} ${c.readMode}`).sort()).toEqual([
      `${all} lease`,
      `${all} readindex`,
      `${all} stale`,
      "none lease",
      "none readindex",
      "none stale",
    ]);
    // Every read mode is a measurement and an environment of its own: its repetitions and effects
    // are never pooled with another mode's.
    expect(new Set(raftlab.map(measurementKey)).size).toBe(6);
    expect(new Set(raftlab.map((c) => envKey(c))).size).toBe(3);
    // A peer runs once, with its own reads.
    expect(cells.filter((c) => c.system === "etcd").map((c) => c.readMode)).toEqual([undefined]);
    const args = (mode: string) => nodeArgsFor(raftlab.find((c) => c.readMode === mode)!);
    expect(args("lease").join(" ")).toContain("--read-mode lease");
    expect(args("readindex")).not.toContain("--read-mode");
    expect(args("stale")).not.toContain("--read-mode");
    // The nodes take what the bench passes them.
    const node = parseNodeOptions(["--id", "1", "--peers", "1=127.0.0.1:1:2", "--data-dir", "x", ...args("lease")]);
    expect(node !== "help" && node.readMode).toBe("lease");
    // Without --read-mode, cells record none (the nodes' default).
    const plain = parse(["--flags", "all", "--sizes", "3", "--read-ratio", "0.5"]);
    expect(plain.readModes).toEqual([]);
    expect("readMode" in planCells(plain)[0]!).toBe(false);
    // Stale with reads only needs no writer connection.
    expect(parse(["--read-mode", "stale", "--read-ratio", "1", "--connections", "1"]).readModes).toEqual(["stale"]);
  });

  it.each([
    [["--read-mode", "fast", "--read-ratio", "0.5"], /--read-mode: "fast" is not one of readindex, lease, stale/],
    [["--read-mode", "lease"], /--read-mode compares how reads are served: give --read-ratio above 0/],
    [["--read-mode", "stale", "--read-ratio", "0.5", "--connections", "1,32"], /--connections 1 is too few/],
  ])("refuses %j", (argv, pattern) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(pattern);
  });

  it("prints help, naming the environments, the order and the seed", () => {
    expect(parseBenchOptions(["--help"])).toBe("help");
    for (const option of ["--env LIST", "--order ORDER", "--seed N", "--read-mode LIST"])
      expect(BENCH_USAGE).toContain(option);
    expect(BENCH_USAGE).toContain("dc (net 0.25 ms one way, fsync +1000 µs, apply 100 µs)");
  });

  it("prints help, with every knob list", () => {
    for (const opt of [
      "--max-inflight LIST",
      "--max-inflight-bytes LIST",
      "--max-batch-entries LIST",
      "--max-batch-bytes LIST",
      "--max-apply-bytes LIST",
    ]) {
      expect(BENCH_USAGE).toContain(opt);
    }
  });
});
