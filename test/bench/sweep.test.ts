// A tiny real sweep: real node processes, real load, results.json on disk; a cell whose nodes exit
// at start is recorded as failed and the sweep goes on; no process outlives the sweep.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Results } from "../../bench/results.ts";
import { runSweep } from "../../bench/sweep.ts";
import type { SweepOptions } from "../../bench/sweep-options.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";
import { descendants, type ProcessKey, running } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

const out = mkdtempSync(path.join(tmpdir(), "raftlab-bench-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

// A calibration from a file: the run stores it (a measured one would add 15 s to this test).
const calibrationFile = path.join(out, "calibration.json");
writeFileSync(calibrationFile, JSON.stringify(SAMPLE_CALIBRATION));

describe("bench sweep (real processes)", () => {
  it("measures ok cells, records a failing cell as failed and goes on, and leaves no process behind", async () => {
    const parsed = parseBenchOptions([
      "--flags",
      "all",
      "--sizes",
      "1,3",
      "--warmup",
      "1",
      "--duration",
      "2",
      "--reps",
      "1",
      "--micro-ms",
      "20",
      "--calibrate",
      calibrationFile,
      "--out",
      out,
      "--fsync-delay-us",
      "0",
      "--order",
      "grouped",
    ]);
    if (parsed === "help") throw new Error("unexpected help");
    // The first scenario's fsync delay is beyond what a node accepts: its nodes exit at start (code 64).
    const opts: SweepOptions = { ...parsed, fsyncDelayUs: [99_000_000, 0] };
    const before = new Set(descendants(process.pid));
    const seen = new Set<ProcessKey>();
    const watch = setInterval(() => descendants(process.pid).forEach((p) => !before.has(p) && seen.add(p)), 100);
    const lines: string[] = [];
    let outcome;
    try {
      outcome = await runSweep(opts, { log: (l) => lines.push(l) });
    } finally {
      clearInterval(watch);
    }

    const results = JSON.parse(readFileSync(path.join(outcome.dir, "results.json"), "utf8")) as Results;
    expect(results.run.id).toBe(path.basename(outcome.dir));
    expect(results.run.machine.cores).toBeGreaterThan(0);
    expect(results.run.finishedAt).not.toBeNull();
    expect(results.calibration).toEqual(SAMPLE_CALIBRATION);
    expect(results.cells.map((c) => `${c.size}:${c.fsyncDelayUs}:${c.status}`)).toEqual([
      "1:99000000:failed",
      "3:99000000:failed",
      "1:0:ok",
      "3:0:ok",
    ]);
    for (const failed of results.cells.filter((c) => c.status === "failed")) {
      expect(failed.error).toMatch(/node-\d exited \(code 64\)/);
    }
    for (const cell of results.cells.filter((c) => c.status === "ok")) {
      expect(cell.flags).toBe("batch+pipeline+parallel-append+async-apply");
      expect(cell.connections).toBe(128);
      expect(cell.throughput).toBeGreaterThan(0);
      expect(cell.errors).toBe(0);
      const l = cell.latencyMs;
      expect(0 < l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max).toBe(true);
      expect(cell.percentiles.length).toBeGreaterThan(5);
      expect(cell.stagesMs).not.toBeNull();
      expect(cell.stagesMs!.total.p50).toBeGreaterThan(0);
      expect(cell.cpu.map((u) => u.process).sort()).toEqual(
        [...Array.from({ length: cell.size }, (_, i) => `node-${i + 1}`), "loadgen"].sort(),
      );
      expect(cell.cpu.filter((u) => u.role === "leader")).toHaveLength(1);
      expect(cell.cpu.every((u) => u.cpu > 0 && u.elu > 0 && u.elu <= 1)).toBe(true);
      expect(Object.keys(cell.elu).sort()).toEqual(cell.cpu.map((u) => u.process).sort());
      // CPU per acknowledged write is the process's CPU over the cell's throughput; the scheduler
      // readings come from /proc for every process, the load generator included.
      for (const u of cell.cpu) {
        expect(u.cpuUsPerOp).toBeCloseTo((u.cpu / cell.throughput) * 1e6, -1);
        expect(u.runQueueWait).toBeGreaterThanOrEqual(0);
      }
      expect(cell.stealCores).toBeGreaterThanOrEqual(0);
      // The mechanism counters cover the measured window only (not the warm-up), on every node.
      const m = cell.mechanism!.summary!;
      expect(cell.mechanism!.nodes).toHaveLength(cell.size);
      for (const n of cell.mechanism!.nodes) expect(n.windowS > 1.5 && n.windowS < 3).toBe(true);
      const leader = cell.mechanism!.nodes.find((n) => n.role === "leader")!;
      const acknowledged = cell.throughput * cell.durationS;
      // Since the node started (warm-up included), it would be about 1.5 times as many.
      expect(leader.counters.leaderWriteEntries.mean * leader.counters.leaderWriteEntries.count).toBeLessThan(
        acknowledged * 1.25,
      );
      expect(m.entriesPerLeaderFsync).toBeGreaterThan(1); // batch, 128 connections
      expect(m.applyBatchMean).toBeGreaterThan(1);
      if (cell.size === 1) expect([m.followerFsyncsPerS, leader.counters.appendEntries.count]).toEqual([0, 0]);
      else expect(m.followerFsyncsPerS > 0 && m.inflightMax >= 1).toBe(true);
      // The time series: 100 ms intervals over the 2 s window that add up to the cell's totals.
      const series = cell.series!;
      expect(series.ok.length).toBe(Math.ceil(series.windowMs / 100));
      expect(series.ok.reduce((a, b) => a + b, 0) + series.errors.reduce((a, b) => a + b, 0)).toBe(cell.requests);
    }
    // The correctness column: a checked fault run of the combination, whose page is kept beside.
    expect(results.correctness).toEqual({ "batch+pipeline+parallel-append+async-apply": "linearizable" });
    expect(lines.some((l) => l.startsWith("check 1/1: batch+pipeline+parallel-append+async-apply"))).toBe(true);
    // The micro-benchmarks, one row per task of every bench/micro file, for the report's table.
    expect(new Set(results.micro?.map((m) => m.file))).toEqual(
      new Set(["checker.bench.ts", "codec.bench.ts", "log-append.bench.ts", "quorum.bench.ts"]),
    );
    expect(results.micro!.every((m) => m.opsPerSec > 0)).toBe(true);
    // The report and the runs index were written next to it.
    expect(readdirSync(outcome.dir).sort()).toEqual(["checks", "index.html", "results.csv", "results.json"]);
    expect(readdirSync(out)).toContain("index.html");
    expect(lines.filter((l) => l.startsWith("["))).toHaveLength(4);
    expect(lines.filter((l) => l.includes("FAILED"))).toHaveLength(2);

    // Nodes (1 + 3 + the failed cells' 4) and the load generator ran as children, and all are gone
    // (a grandchild such as tsx's esbuild service ends a moment after its parent, on its stdin's EOF).
    expect(seen.size).toBeGreaterThanOrEqual(5);
    await waitUntil(() => [...seen].every((p) => !running(p)), "every child of the sweep to be gone", 5000);
  }, 120_000);
});
