// One load split over several generators, and their results joined back into one. Counts add up;
// latencies come from the sum of the generators' HDR histograms, never from averaging their
// percentiles (the p99 of two generators is not the mean of their p99s). The generators' windows
// open together within the time it takes to start them, so interval i of every series is the same
// stretch of time, to that precision.

import type { TimeSeries } from "../results.ts";
import { LatencyRecorder } from "./latency.ts";
import { staleReaders } from "./reader-split.ts";
import type { EncodedHistograms, LoadMode, LoadResult, LoadSpec, ReadsResult } from "./spec.ts";

/** `total` split into `n` near-equal whole parts, larger parts first. */
function splitWhole(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * The spec each of `n` generators runs: connections (or the open loop's rate and outstanding cap)
 * split between them, each with its own seed so their keys and read choices differ. A generator
 * whose share is empty (fewer connections than generators) gets none. A closed loop of stale reads
 * splits its writers and its readers each (bench/load/reader-split.ts), so the generators together
 * run the split one generator would; each one's read ratio is then its own share of readers.
 */
export function splitLoad(spec: LoadSpec, n: number): (LoadSpec | null)[] {
  const part = (mode: LoadMode, i: number, readRatio = spec.readRatio): LoadSpec => ({
    ...spec,
    mode,
    readRatio,
    seed: spec.seed + i * 7919,
    shareHistograms: true,
  });
  if (spec.mode.kind === "open") {
    const rate = spec.mode.rate / n;
    return splitWhole(spec.mode.maxOutstanding, n).map((m, i) =>
      m === 0 ? null : part({ kind: "open", rate, maxOutstanding: m }, i),
    );
  }
  if (!spec.staleReads) {
    return splitWhole(spec.mode.connections, n).map((c, i) =>
      c === 0 ? null : part({ kind: "closed", connections: c }, i),
    );
  }
  const readers = staleReaders(spec.mode.connections, spec.readRatio);
  const writerShares = splitWhole(spec.mode.connections - readers, n);
  // Readers from the last generator back, so that a load of few connections still spreads.
  const readerShares = splitWhole(readers, n).reverse();
  return writerShares.map((w, i) => {
    const c = w + readerShares[i]!;
    return c === 0 ? null : part({ kind: "closed", connections: c }, i, readerShares[i]! / c);
  });
}

/** The results of the generators at `urls` (each run with `shareHistograms`) as one result. */
export function mergeLoadResults(parts: readonly { url: string; mode: LoadMode; result: LoadResult }[]): LoadResult {
  if (parts.length === 0) throw new Error("no load results to merge");
  const results = parts.map((p) => p.result);
  const encoded = results.map((r) => {
    if (!r.histograms) throw new Error("a load worker's result lacks its histograms");
    return r.histograms;
  });
  const sum = (f: (r: LoadResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const errorKinds: Record<string, number> = {};
  for (const r of results) {
    for (const [kind, n] of Object.entries(r.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + n;
  }
  const successes = results.every((r) => r.successes) ? mergeSuccesses(results) : undefined;
  const reads = mergeReads(results, encoded);
  return {
    requests: sum((r) => r.requests),
    ok: sum((r) => r.ok),
    errors: sum((r) => r.errors),
    errorKinds,
    windowS: Math.max(...results.map((r) => r.windowS)),
    // Each generator's rate over its own window: the windows coincide, so the rates add.
    throughput: sum((r) => r.throughput),
    latency: LatencyRecorder.merged(encoded.map((h) => h.whole)).summary(),
    ...(reads ? { reads } : {}),
    series: mergeSeries(
      results.map((r) => r.series),
      encoded.map((h) => h.intervals),
    ),
    cpu: sum((r) => r.cpu),
    elu: Math.max(...results.map((r) => r.elu)),
    ...(successes ? { successes } : {}),
    workers: parts.map((p) => ({
      url: p.url,
      mode: p.mode,
      ok: p.result.ok,
      errors: p.result.errors,
      cpu: p.result.cpu,
    })),
  };
}

/** The reads of every generator that had some: counts and rates add, latency from the summed histograms. */
function mergeReads(results: readonly LoadResult[], encoded: readonly EncodedHistograms[]): ReadsResult | null {
  const withReads = results.flatMap((r, i) => (r.reads ? [{ reads: r.reads, histogram: encoded[i]!.reads }] : []));
  if (withReads.length === 0) return null;
  return {
    ok: withReads.reduce((a, p) => a + p.reads.ok, 0),
    throughput: withReads.reduce((a, p) => a + p.reads.throughput, 0),
    latency: LatencyRecorder.merged(
      withReads.map((p) => {
        if (p.histogram === undefined) throw new Error("a load worker's result lacks its reads' histogram");
        return p.histogram;
      }),
    ).summary(),
  };
}

/** Interval i of the merged series: the sum of every series' interval i, percentiles from the summed histograms. */
function mergeSeries(series: readonly TimeSeries[], histograms: readonly (readonly string[])[]): TimeSeries {
  const intervals = Math.max(...series.map((s) => s.ok.length));
  const at = (xs: readonly number[], i: number): number => xs[i] ?? 0;
  const ok: number[] = [];
  const errors: number[] = [];
  const p50Ms: (number | null)[] = [];
  const p99Ms: (number | null)[] = [];
  for (let i = 0; i < intervals; i++) {
    ok.push(series.reduce((a, s) => a + at(s.ok, i), 0));
    errors.push(series.reduce((a, s) => a + at(s.errors, i), 0));
    const merged = LatencyRecorder.merged(histograms.flatMap((h) => (h[i] === undefined ? [] : [h[i]!])));
    const { latencyMs } = merged.summary();
    p50Ms.push(merged.count === 0 ? null : latencyMs.p50);
    p99Ms.push(merged.count === 0 ? null : latencyMs.p99);
  }
  return {
    intervalMs: series[0]!.intervalMs,
    windowMs: Math.max(...series.map((s) => s.windowMs)),
    ok,
    errors,
    p50Ms,
    p99Ms,
  };
}

/** Every generator's successes in one list ordered by completion time. */
function mergeSuccesses(results: readonly LoadResult[]): { atMs: number[]; latencyMs: number[] } {
  const all = results.flatMap((r) => r.successes!.atMs.map((at, i) => [at, r.successes!.latencyMs[i]!] as const));
  all.sort((a, b) => a[0] - b[0]);
  return { atMs: all.map((s) => s[0]), latencyMs: all.map((s) => s[1]) };
}
