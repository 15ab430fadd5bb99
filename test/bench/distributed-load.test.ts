// Load from several workers (`raftlab loadgen --listen` + `bench --loadgen`): the load is split
// between them, their results merge by summing counts and histograms (never averaging
// percentiles), a worker refuses a caller without its secret and says nothing more, and stops its
// load when the caller goes away.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DistributedLoad } from "../../bench/load/distributed-load.ts";
import { IntervalRecorder } from "../../bench/load/intervals.ts";
import { LatencyRecorder } from "../../bench/load/latency.ts";
import { mergeLoadResults, splitLoad } from "../../bench/load/merge.ts";
import type { LoadResult, LoadSpec } from "../../bench/load/spec.ts";
import { parseLoadSpec } from "../../bench/load/worker-server.ts";
import { runSweep } from "../../bench/sweep.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";
import { main } from "../../src/cli/main.ts";
import { captureOutput } from "../support/capture.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-loadgen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretFile = path.join(dir, "secret");
writeFileSync(secretFile, "0123456789abcdef0123456789abcdef\n");
const SECRET = "0123456789abcdef0123456789abcdef";

const SPEC: LoadSpec = {
  target: "http://127.0.0.1:1",
  protocol: "raftlab",
  mode: { kind: "closed", connections: 5 },
  warmupS: 0.3,
  durationS: 1,
  valueSize: 16,
  keys: 0,
  keyDist: "uniform",
  readRatio: 0,
  seed: 1,
};

/**
 * A worker's result whose successes all have latency `ms`, `n` per 100 ms interval over `intervals`;
 * with `reads`, that many of them were reads, each at `reads.ms` instead.
 */
function resultOf(ms: number, n: number, intervals: number, reads?: { n: number; ms: number }): LoadResult {
  const whole = new LatencyRecorder();
  const readLatency = new LatencyRecorder();
  const series = new IntervalRecorder(100, true);
  series.begin(0);
  series.failure(10);
  for (let i = 0; i < intervals; i++) {
    for (let k = 0; k < n; k++) {
      const read = reads !== undefined && k < reads.n;
      const latency = read ? reads.ms : ms;
      series.success(i * 100 + 50, latency);
      whole.recordMs(latency);
      if (read) readLatency.recordMs(latency);
    }
  }
  series.end(intervals * 100);
  const windowS = intervals / 10;
  return {
    ...(reads
      ? {
          reads: {
            ok: readLatency.count,
            throughput: readLatency.count / windowS,
            latency: readLatency.summary(),
          },
        }
      : {}),
    requests: n * intervals + 1,
    ok: n * intervals,
    errors: 1,
    errorKinds: { "status 503": 1 },
    windowS: intervals / 10,
    throughput: (n * intervals) / (intervals / 10),
    latency: whole.summary(),
    series: series.series(),
    cpu: 0.25,
    elu: 0.5,
    histograms: {
      whole: whole.encode(),
      intervals: series.histograms()!,
      ...(reads ? { reads: readLatency.encode() } : {}),
    },
  };
}

describe("splitting and merging a load", () => {
  it("splits connections and rates between workers, each with its own seed", () => {
    const parts = splitLoad(SPEC, 2);
    expect(parts.map((p) => p?.mode)).toEqual([
      { kind: "closed", connections: 3 },
      { kind: "closed", connections: 2 },
    ]);
    expect(new Set(parts.map((p) => p!.seed)).size).toBe(2);
    expect(parts.every((p) => p!.shareHistograms)).toBe(true);
    expect(splitLoad({ ...SPEC, mode: { kind: "closed", connections: 1 } }, 3).map((p) => p?.mode ?? null)).toEqual([
      { kind: "closed", connections: 1 },
      null,
      null,
    ]);
    const open = splitLoad({ ...SPEC, mode: { kind: "open", rate: 900, maxOutstanding: 100 } }, 3);
    expect(open.map((p) => p!.mode)).toEqual([34, 33, 33].map((m) => ({ kind: "open", rate: 300, maxOutstanding: m })));
  });

  it("splits a stale closed loop's writers and readers each, passing the nodes on", () => {
    const stale: LoadSpec = {
      ...SPEC,
      nodes: ["http://n1:1", "http://n2:1", "http://n3:1"],
      readRatio: 0.9,
      staleReads: true,
      mode: { kind: "closed", connections: 32 },
    };
    // 29 readers and 3 writers in all, as one generator would run them.
    const parts = splitLoad(stale, 3).map((p) => ({
      connections: (p!.mode as { connections: number }).connections,
      readers: Math.round((p!.mode as { connections: number }).connections * p!.readRatio),
    }));
    expect(parts).toEqual([
      { connections: 10, readers: 9 },
      { connections: 11, readers: 10 },
      { connections: 11, readers: 10 },
    ]);
    for (const p of splitLoad(stale, 3)) expect([p!.staleReads, p!.nodes]).toEqual([true, stale.nodes]);
    // Two connections over two generators: one writes, the other reads.
    const two = splitLoad({ ...stale, mode: { kind: "closed", connections: 2 } }, 2);
    expect(two.map((p) => [p!.mode, p!.readRatio])).toEqual([
      [{ kind: "closed", connections: 1 }, 0],
      [{ kind: "closed", connections: 1 }, 1],
    ]);
  });

  it("merges the reads' own figures from their histograms, whichever generators had reads", () => {
    const fast = resultOf(5, 10, 5, { n: 8, ms: 1 }); // 40 reads at 1 ms
    const slow = resultOf(5, 10, 4, { n: 5, ms: 50 }); // 20 reads at 50 ms
    const writer = resultOf(5, 10, 5); // no reads
    const merged = mergeLoadResults(
      [fast, slow, writer].map((result, i) => ({
        url: `http://w${i}:1`,
        mode: { kind: "closed", connections: 1 },
        result,
      })),
    );
    expect(merged.reads!.ok).toBe(60);
    expect(merged.reads!.throughput).toBeCloseTo(fast.reads!.throughput + slow.reads!.throughput);
    expect(merged.reads!.latency.latencyMs.p50).toBe(1);
    // A third of the reads took 50 ms: the merged p90 is theirs (the mean of the p90s would be 25.5).
    expect(merged.reads!.latency.latencyMs.p90).toBeCloseTo(50, 0);
    expect(merged.reads!.latency.latencyMs.max).toBeCloseTo(50, 0);
    const writes = mergeLoadResults([{ url: "http://w:1", mode: { kind: "closed", connections: 1 }, result: writer }]);
    expect(writes.reads).toBeUndefined();
    const { histograms, ...rest } = fast;
    const { reads: _, ...noReadHistogram } = histograms!;
    expect(() =>
      mergeLoadResults([
        {
          url: "http://w:1",
          mode: { kind: "closed", connections: 1 },
          result: { ...rest, histograms: noReadHistogram },
        },
      ]),
    ).toThrow(/lacks its reads' histogram/);
  });

  it("a worker takes a spec's nodes and stale reads, and refuses bad ones", () => {
    const spec = { ...SPEC, nodes: ["http://n1:1", "http://n2:1"], staleReads: true };
    expect(parseLoadSpec(JSON.stringify(spec))).toEqual(spec);
    expect(() => parseLoadSpec(JSON.stringify({ ...spec, staleReads: "yes" }))).toThrow(/^staleReads: expected/);
    expect(() => parseLoadSpec(JSON.stringify({ ...spec, nodes: ["not a url"] }))).toThrow(/^nodes: expected/);
    expect(() => parseLoadSpec(JSON.stringify({ ...spec, nodes: [] }))).toThrow(/^nodes: expected/);
  });

  it("adds counts and histograms: the merged p99 is the slow worker's, not the mean of the p99s", () => {
    const fast = resultOf(1, 10, 5);
    const slow = resultOf(100, 10, 4);
    const merged = mergeLoadResults([
      { url: "http://a:1", mode: { kind: "closed", connections: 1 }, result: fast },
      { url: "http://b:1", mode: { kind: "closed", connections: 1 }, result: slow },
    ]);
    expect([merged.ok, merged.errors, merged.requests]).toEqual([90, 2, 92]);
    expect(merged.errorKinds).toEqual({ "status 503": 2 });
    expect(merged.throughput).toBeCloseTo(fast.throughput + slow.throughput);
    // 50 successes at 1 ms and 40 at 100 ms.
    expect(merged.latency.latencyMs.p50).toBe(1);
    expect(merged.latency.latencyMs.p99).toBeCloseTo(100, 0);
    expect(merged.series.ok).toEqual([20, 20, 20, 20, 10]);
    expect(merged.series.errors).toEqual([2, 0, 0, 0, 0]);
    expect(merged.series.p99Ms[0]).toBeCloseTo(100, 0); // interval 0 holds both workers' successes
    expect(merged.series.p99Ms[4]).toBe(1); // the slow worker's window was shorter
    expect(merged.cpu).toBeCloseTo(0.5);
    expect(merged.workers!.map((w) => [w.url, w.ok])).toEqual([
      ["http://a:1", 50],
      ["http://b:1", 40],
    ]);
  });

  it("refuses results without histograms rather than guess", () => {
    const { histograms: _, ...bare } = resultOf(1, 1, 1);
    expect(() =>
      mergeLoadResults([{ url: "http://a:1", mode: { kind: "closed", connections: 1 }, result: bare }]),
    ).toThrow(/lacks its histograms/);
  });
});

/** `raftlab loadgen --listen 127.0.0.1:0` (compiled, as a deployed worker runs) and its URL. */
async function startWorker(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const main = path.join(process.env.RAFTLAB_NODE_BUILD!, "src/cli/main.js");
  const child = spawn(process.execPath, [main, "loadgen", "--listen", "127.0.0.1:0", ...args], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const url = await waitUntil(() => /listening on (http:\S+)/.exec(out)?.[1], "the worker to listen", 30_000);
  return { url, child };
}

describe("raftlab loadgen and bench --loadgen", () => {
  let t: TestCluster;
  let workers: { url: string; child: ChildProcess }[];
  beforeAll(async () => {
    [t, ...workers] = await Promise.all([
      startCluster(1),
      startWorker(["--secret-file", secretFile]),
      startWorker(["--secret-file", secretFile]),
    ] as const);
  }, 60_000);
  afterAll(async () => {
    for (const w of workers ?? []) w.child.kill("SIGKILL");
    await t?.stop();
  });

  it("runs a split load on every worker and merges it", async () => {
    const load = new DistributedLoad(
      workers.map((w) => w.url),
      SECRET,
    );
    let opened = 0;
    let closed = 0;
    const result = await load.run(
      { ...SPEC, target: t.cluster.clientUrl(1), mode: { kind: "closed", connections: 3 } },
      { onMeasureStart: () => void opened++, onMeasureEnd: () => void closed++ },
    );
    expect([opened, closed]).toEqual([1, 1]);
    expect(result.workers!.map((w) => w.mode)).toEqual([
      { kind: "closed", connections: 2 },
      { kind: "closed", connections: 1 },
    ]);
    for (const w of result.workers!) expect(w.ok).toBeGreaterThan(0);
    expect(result.ok).toBe(result.workers!.reduce((a, w) => a + w.ok, 0));
    expect(result.series.ok.reduce((a, n) => a + n, 0)).toBe(result.ok);
    expect(result.latency.latencyMs.p50).toBeGreaterThan(0);
  }, 60_000);

  it("passes stale reads and the nodes to every worker, and merges their reads", async () => {
    const load = new DistributedLoad(
      workers.map((w) => w.url),
      SECRET,
    );
    const url = t.cluster.clientUrl(1);
    const result = await load.run(
      {
        ...SPEC,
        target: url,
        nodes: [url],
        readRatio: 0.5,
        staleReads: true,
        mode: { kind: "closed", connections: 2 },
      },
      { onMeasureStart: () => {}, onMeasureEnd: () => {} },
    );
    // One worker writes, the other reads stale: only the merged result has both.
    expect(result.errors).toBe(0);
    expect(result.workers!.map((w) => w.mode)).toEqual([
      { kind: "closed", connections: 1 },
      { kind: "closed", connections: 1 },
    ]);
    for (const w of result.workers!) expect(w.ok).toBeGreaterThan(0);
    expect(result.reads!.ok).toBe(result.workers![1]!.ok);
    expect(result.reads!.ok).toBeLessThan(result.ok);
    expect(result.reads!.latency.latencyMs.p50).toBeGreaterThan(0);
  }, 60_000);

  it("refuses a caller without the secret, revealing nothing, and starts no load", async () => {
    const res = await fetch(`${workers[0]!.url}/run`, {
      method: "POST",
      headers: { authorization: "Bearer wrong-secret-0123456789" },
      body: JSON.stringify(SPEC),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"error":"unauthorized"}');
    await expect(
      new DistributedLoad([workers[0]!.url], null).run(
        { ...SPEC, target: t.cluster.clientUrl(1) },
        {
          onMeasureStart: () => {},
          onMeasureEnd: () => {},
        },
      ),
    ).rejects.toThrow(/refused the load \(401\): give the secret/);
    expect(await (await fetch(`${workers[0]!.url}/status`)).json()).toEqual({ busy: false });
  });

  it("answers a bad spec with 400 and a message", async () => {
    const res = await fetch(`${workers[0]!.url}/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ ...SPEC, mode: { kind: "closed", connections: 0 } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^mode: expected/);
  });

  it("stops a load whose caller went away", async () => {
    const load = new DistributedLoad([workers[1]!.url], SECRET);
    const running = load.run(
      { ...SPEC, target: t.cluster.clientUrl(1), warmupS: 60, mode: { kind: "closed", connections: 1 } },
      { onMeasureStart: () => {}, onMeasureEnd: () => {} },
    );
    await waitUntil(
      async () => ((await (await fetch(`${workers[1]!.url}/status`)).json()) as { busy: boolean }).busy,
      "the load to start",
    );
    load.kill();
    await expect(running).rejects.toThrow(/stopped/);
    await waitUntil(
      async () => !((await (await fetch(`${workers[1]!.url}/status`)).json()) as { busy: boolean }).busy,
      "the worker to stop its load",
      30_000,
    );
  });

  it("bench --loadgen records each worker's share in the cell", async () => {
    const out = path.join(dir, "reports");
    const parsed = parseBenchOptions([
      ...["--sizes", "1", "--flags", "none", "--connections", "4", "--warmup", "0.3", "--duration", "1"],
      ...["--reps", "1", "--check-seconds", "0", "--micro-ms", "0", "--calibrate", "off", "--out", out],
      ...["--loadgen", workers.map((w) => w.url).join(","), "--loadgen-secret-file", secretFile],
    ]);
    if (parsed === "help") throw new Error("unexpected help");
    const { dir: runDir, results } = await runSweep(parsed, { log: () => {} });
    const [cell] = results.cells;
    expect(cell!.status).toBe("ok");
    expect(cell!.loadWorkers!.map((w) => [w.url, w.mode])).toEqual(
      workers.map((w) => [w.url, { kind: "closed", connections: 2 }]),
    );
    expect(cell!.loadWorkers!.reduce((a, w) => a + w.ok, 0)).toBeGreaterThan(0);
    const record = JSON.parse(readFileSync(path.join(runDir, "results.json"), "utf8"));
    expect(record.run.options.loadWorkers).toEqual({ urls: workers.map((w) => w.url) });
    expect(readFileSync(path.join(runDir, "results.json"), "utf8")).not.toContain(SECRET);
    expect(readFileSync(path.join(runDir, "index.html"), "utf8")).toContain(`Load from 2 workers`);
  }, 120_000);
});

describe("command lines", () => {
  it("refuses a non-loopback worker without a secret, and bad --loadgen values", async () => {
    const io = captureOutput();
    expect(await main(["loadgen", "--listen", "10.1.2.3:7600"])).toBe(64);
    expect(io.err.join("")).toMatch(/10\.1\.2\.3 is not a loopback address.*--secret-file FILE/);
    for (const [value, message] of [
      ["http://h:1/path", "is not http://HOST:PORT"],
      ["h:7600", "is not http://HOST:PORT"],
      ["http://h:1,http://h:1", "names the same worker twice"],
    ] as const) {
      expect(() => parseBenchOptions(["--loadgen", value])).toThrow(message);
    }
    expect(() => parseBenchOptions(["--loadgen-secret-file", secretFile])).toThrow(/goes with --loadgen/);
  });
});
