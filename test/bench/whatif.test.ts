// `raftlab whatif`: its command line, and a small sweep written as a bench run is, marked simulated.

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Results } from "../../bench/results.ts";
import { whatifCommand } from "../../src/cli/whatif.ts";
import { captureIo, expectUsageError } from "../support/capture.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "raftlab-whatif-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs a small sweep into its own reports root; returns its results.json and what it printed. */
async function sweep(extra: string[] = [], out = join(root, "a")) {
  const argv = ["--flags", "none,batch", "--connections", "1,8", "--duration", "0.3", "--warmup", "0.1", "--out", out];
  const io = captureIo();
  expect(await whatifCommand([...argv, ...extra], io)).toBe(0);
  const [dir] = (await readdir(out, { withFileTypes: true })).filter((e) => e.isDirectory());
  const results = JSON.parse(await readFile(join(out, dir!.name, "results.json"), "utf8")) as Results;
  return { io, results, dir: join(out, dir!.name) };
}

describe("raftlab whatif", () => {
  it.each([
    [["--fsync-ms", "2:1"], /99th percentile \(1\) must not be below the median \(2\)/],
    [["--fsync-ms", "fast"], /--fsync-ms median must be a number/],
    [["--fsync-ms", "1:2:3"], /--fsync-ms must be P50 or P50:P99/],
    [["--nodes", "0"], /--nodes must be an integer from 1/],
    [["--connections", "1,,2"], /--connections must be a comma-separated list/],
    [["--flags", "turbo"], /--flags: unknown flag "turbo"/],
    [["--cpu-scale", "0"], /--cpu-scale must be a number from 0.01/],
    [["--rtt-ms", "-1"], /--rtt-ms/],
    [["--cores", "0"], /--cores must be an integer from 1/],
    [["--wake-latency-us", "soon"], /--wake-latency-us must be a number/],
    [["--validate", "x", "--cores", "2"], /--cores goes with a sweep/],
    [["--bogus"], /bogus/],
  ])("rejects %j with a one-line error and exit code 64", (argv, pattern) =>
    expectUsageError(whatifCommand, argv, pattern),
  );

  it("--help documents every option", async () => {
    const io = captureIo();
    expect(await whatifCommand(["--help"], io)).toBe(0);
    for (const opt of [
      "--nodes",
      "--flags",
      "--connections",
      "--rtt-ms",
      "--fsync-ms",
      "--bandwidth-mbps",
      "--client-rtt-ms",
      "--cpu-scale",
      "--cores",
      "--wake-us",
      "--wake-latency-us",
      "--apply-cost-us",
      "--value-size",
      "--duration",
      "--warmup",
      "--seed",
      "--out",
    ]) {
      expect(io.stdout).toContain(opt);
    }
  });

  it("writes results.json marked simulated, with the model and a line of progress per cell (seed 1)", async () => {
    const { io, results } = await sweep(["--rtt-ms", "2", "--fsync-ms", "1:4", "--cpu-scale", "2"]);
    expect(results.run.simulated).toBe(true);
    expect(results.run.model).toMatchObject({ rttMs: 2, fsyncMs: { p50: 1, p99: 4 }, cpuScale: 2 });
    expect(results.cells.map((c) => `${c.flags} ${c.connections} ${c.status}`)).toEqual([
      "none 1 ok",
      "batch 1 ok",
      "none 8 ok",
      "batch 8 ok",
    ]);
    for (const c of results.cells) {
      expect(c.throughput).toBeGreaterThan(0);
      expect(c.latencyMs.p50).toBeGreaterThan(2); // at least a round trip
      expect(c.cpu).toEqual([]);
      expect(c.stealCores).toBeUndefined();
      expect(Object.keys(c.loopBusy!)).toEqual(["node-1", "node-2", "node-3"]);
      expect(c.mechanism?.summary).not.toBeNull();
      expect(c.series!.ok.reduce((a, b) => a + b, 0)).toBe(c.requests);
    }
    const batch8 = results.cells.find((c) => c.flags === "batch" && c.connections === 8)!;
    expect(batch8.mechanism!.summary!.entriesPerLeaderFsync).toBeGreaterThan(2);
    expect(io.stdout.match(/^\[\d\/4\] .* simulated \| elapsed/gm)).toHaveLength(4);
    expect(io.stdout).toMatch(/^whatif: 4 cells \(0 failed\)/m);
    expect(io.stdout).toMatch(/^report: .*index\.html$/m);
  });

  it("reports the run as simulated, with the model, and nothing it could not measure (seed 1)", async () => {
    const { dir } = await sweep(["--rtt-ms", "30"]);
    const html = await readFile(join(dir, "index.html"), "utf8");
    expect(html).toContain("raftlab simulated run");
    expect(html).toContain("Simulated, not measured");
    expect(html).toMatch(/round trip between nodes<\/td><td[^>]*>30 ms/);
    expect(html).toContain("CPU and event-loop utilization: not measured (simulated)");
    // The lab's four targets and every cell's four CPU columns.
    expect(html.match(/not measured \(simulated\)/g)!.length).toBeGreaterThanOrEqual(4 + 4 * 4);
    const csv = (await readFile(join(dir, "results.csv"), "utf8")).split("\r\n")[0]!;
    expect(csv).toContain("loop_busy_node-1");
    expect(csv).not.toContain("cpu_node-1");
    expect(await readFile(join(dir, "..", "index.html"), "utf8")).toContain("(simulated)");
  });

  it("--cores N shares N cores between the nodes and the load generator: CPU-bound cells slow down (seed 1)", async () => {
    const cpuBound = ["--flags", "all", "--connections", "128", "--rtt-ms", "0.05", "--fsync-ms", "0.05"];
    const own = await sweep(cpuBound, join(root, "own"));
    const shared = await sweep([...cpuBound, "--cores", "1"], join(root, "shared"));
    expect(own.results.run.model!.cores).toBeNull();
    expect(shared.results.run.model!.cores).toBe(1);
    expect(shared.io.stdout).toMatch(/on 1 shared cores/);
    // Four processes' CPU per write on one core against the busiest one's alone: well under half.
    expect(shared.results.cells[0]!.throughput).toBeLessThan(0.5 * own.results.cells[0]!.throughput);
    const html = await readFile(join(shared.dir, "index.html"), "utf8");
    expect(html).toMatch(/cores<\/td><td[^>]*>1, shared by the nodes and the load generator/);
  });

  it("--wake-latency-us makes each hop of a lone request wait for its process (seed 1)", async () => {
    const lone = ["--flags", "none", "--connections", "1", "--rtt-ms", "0.1", "--fsync-ms", "0.1"];
    const awake = await sweep(lone, join(root, "awake"));
    const sleepy = await sweep([...lone, "--wake-latency-us", "200", "--wake-us", "20"], join(root, "sleepy"));
    expect(sleepy.results.run.model).toMatchObject({ wakeLatencyUs: 200, cpu: { wakeUs: 20 } });
    expect(sleepy.io.stdout).toMatch(/wake-up 20 µs CPU, 200 µs latency/);
    // A write crosses at least four sleeping loops (leader, follower, leader, load generator).
    expect(sleepy.results.cells[0]!.latencyMs.p50).toBeGreaterThan(awake.results.cells[0]!.latencyMs.p50 + 4 * 0.22);
  });

  it("gives the same cells for the same seed", async () => {
    const strip = (r: Results) => r.cells.map(({ startedAt: _, ...c }) => c);
    const a = await sweep(["--fsync-ms", "0.5:3"], join(root, "a"));
    const b = await sweep(["--fsync-ms", "0.5:3"], join(root, "b"));
    expect(strip(b.results)).toEqual(strip(a.results));
  });
});
