// Request latencies in an HDR histogram with microsecond resolution (autocannon's own histogram
// counts whole milliseconds, which flattens every sub-millisecond figure), summarized in ms.

import * as hdr from "hdr-histogram-js";
import type { LatencyMs, PercentilePoint } from "../results.ts";

/** The points of the latency distribution written into each cell (the HDR percentile plot). */
const PERCENTILE_POINTS = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100] as const;

export interface LatencySummary {
  readonly latencyMs: LatencyMs;
  readonly percentiles: PercentilePoint[];
}

export class LatencyRecorder {
  // Up to 10 minutes, 3 significant digits: 1 µs steps below 1 ms, 1 ms steps near 1 s.
  private readonly hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  /** A recorder holding the counts of every encoded histogram in `encoded` (see `encode`). */
  static merged(encoded: readonly string[]): LatencyRecorder {
    const r = new LatencyRecorder();
    for (const e of encoded) r.hist.add(hdr.decodeFromCompressedBase64(e));
    return r;
  }

  /** The histogram as HdrHistogram's compressed base64 form, for another process to merge. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.hist);
  }

  get count(): number {
    return this.hist.totalCount;
  }

  recordMs(ms: number): void {
    this.hist.recordValue(Math.min(600_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  reset(): void {
    this.hist.reset();
  }

  summary(): LatencySummary {
    const h = this.hist;
    const ms = (us: number): number => Math.round(us) / 1000;
    if (h.totalCount === 0) {
      return { latencyMs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 }, percentiles: [] };
    }
    return {
      latencyMs: {
        p50: ms(h.getValueAtPercentile(50)),
        p90: ms(h.getValueAtPercentile(90)),
        p99: ms(h.getValueAtPercentile(99)),
        p999: ms(h.getValueAtPercentile(99.9)),
        // Like the percentiles, the bucket's highest equivalent value, so p99.9 <= max always holds.
        max: ms(h.getValueAtPercentile(100)),
        mean: ms(h.mean),
      },
      percentiles: PERCENTILE_POINTS.map((p) => ({
        percentile: p,
        ms: ms(p === 0 ? h.minNonZeroValue : h.getValueAtPercentile(p)),
      })),
    };
  }
}
