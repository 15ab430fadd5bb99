// A cell's measured window cut into fixed intervals (100 ms by default): completions and errors
// per interval, and p50/p99 of each interval's own HDR histogram (percentiles are never averaged).
// Intervals with no completion stay in the series as zeros, so a stall shows as a gap.

import type { TimeSeries } from "../results.ts";
import { LatencyRecorder } from "./latency.ts";

export const INTERVAL_MS = 100;

export class IntervalRecorder {
  private t0 = 0;
  private current = 0;
  private readonly hist = new LatencyRecorder();
  private readonly ok: number[] = [0];
  private readonly errors: number[] = [0];
  private readonly p50Ms: (number | null)[] = [];
  private readonly p99Ms: (number | null)[] = [];
  private windowMs = 0;
  /** Each closed interval's histogram, encoded, when kept for merging with other generators'. */
  private readonly encoded: string[] | null;

  constructor(
    readonly intervalMs = INTERVAL_MS,
    keepHistograms = false,
  ) {
    this.encoded = keepHistograms ? [] : null;
  }

  /** Opens the window at `nowMs` (performance.now()). */
  begin(nowMs: number): void {
    this.t0 = nowMs;
  }

  success(nowMs: number, latencyMs: number): void {
    this.advance(nowMs);
    this.ok[this.current]!++;
    this.hist.recordMs(latencyMs);
  }

  failure(nowMs: number): void {
    this.advance(nowMs);
    this.errors[this.current]!++;
  }

  /** Closes the window at `nowMs`; the last interval may be shorter than the others. */
  end(nowMs: number): void {
    this.windowMs = nowMs - this.t0;
    this.advance(nowMs);
    this.close();
  }

  series(): TimeSeries {
    return {
      intervalMs: this.intervalMs,
      // Unrounded: the intervals were cut by this very length, so ok.length = ceil(windowMs / intervalMs)
      // holds even when the window ends a sliver past an interval boundary.
      windowMs: this.windowMs,
      ok: this.ok,
      errors: this.errors,
      p50Ms: this.p50Ms,
      p99Ms: this.p99Ms,
    };
  }

  /** Each interval's encoded histogram (`keepHistograms`), to merge series of several generators. */
  histograms(): readonly string[] | null {
    return this.encoded;
  }

  /** Moves to the interval holding `nowMs`, closing every interval before it. */
  private advance(nowMs: number): void {
    // An outcome exactly at the window's end belongs to the last interval.
    const i = Math.max(0, Math.ceil((nowMs - this.t0) / this.intervalMs) - 1);
    while (this.current < i) {
      this.close();
      this.current++;
      this.ok.push(0);
      this.errors.push(0);
    }
  }

  private close(): void {
    const empty = this.hist.count === 0;
    const { latencyMs } = this.hist.summary();
    this.p50Ms.push(empty ? null : latencyMs.p50);
    this.p99Ms.push(empty ? null : latencyMs.p99);
    this.encoded?.push(this.hist.encode());
    this.hist.reset();
  }
}
