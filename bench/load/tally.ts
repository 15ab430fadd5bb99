// Counts a load generator's outcomes over the measured window only (warm-up excluded), along with
// the generator's own CPU time and event-loop utilization over that window.

import { type EventLoopUtilization, performance } from "node:perf_hooks";
import { IntervalRecorder } from "./intervals.ts";
import { LatencyRecorder } from "./latency.ts";
import type { LoadResult, SuccessLog } from "./spec.ts";

export class Tally {
  private measuring = false;
  private ended = false;
  private ok = 0;
  private errors = 0;
  private readonly errorKinds: Record<string, number> = {};
  private readonly latency = new LatencyRecorder();
  /** The reads alone (null until one succeeds: a load without reads reports none). */
  private reads: { ok: number; latency: LatencyRecorder } | null = null;
  private readonly intervals: IntervalRecorder;
  /** Each success's completion time and latency, when asked for (the event metrics need them exactly). */
  private readonly successes: { atMs: number[]; latencyMs: number[] } | null;
  private t0 = 0;
  private t1 = 0;
  private cpu0 = process.cpuUsage();
  private cpu = 0;
  private elu0: EventLoopUtilization = performance.eventLoopUtilization();
  private elu = 0;

  private readonly keepHistograms: boolean;

  /**
   * `intervalMs`: the series' resolution; `logSuccesses`: keep every success's time and latency;
   * `keepHistograms`: report the histograms themselves, for merging with other generators' results;
   * `now`: the clock of the window and the series, in ms (the simulator's is virtual time).
   */
  constructor(
    intervalMs?: number,
    logSuccesses = false,
    keepHistograms = false,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.intervals = new IntervalRecorder(intervalMs, keepHistograms);
    this.successes = logSuccesses ? { atMs: [], latencyMs: [] } : null;
    this.keepHistograms = keepHistograms;
  }

  /** When the measured window opened, in ms since the Unix epoch (comparable across processes). */
  get openedAtEpochMs(): number {
    return performance.timeOrigin + this.t0;
  }

  /** Opens the measured window: everything recorded before is discarded. */
  begin(): void {
    this.measuring = true;
    this.t0 = this.now();
    this.intervals.begin(this.t0);
    this.cpu0 = process.cpuUsage();
    this.elu0 = performance.eventLoopUtilization();
  }

  /** Closes the measured window; later outcomes are ignored. */
  end(): void {
    if (!this.measuring) return;
    this.measuring = false;
    this.ended = true;
    this.t1 = this.now();
    this.intervals.end(this.t1);
    const c = process.cpuUsage(this.cpu0);
    this.cpu = (c.user + c.system) / 1000 / (this.t1 - this.t0);
    this.elu = performance.eventLoopUtilization(this.elu0).utilization;
  }

  /** A success; `read`: it was a read, also counted and timed with the reads alone. */
  success(latencyMs: number, read = false): void {
    if (!this.measuring) return;
    this.ok++;
    this.latency.recordMs(latencyMs);
    if (read) {
      this.reads ??= { ok: 0, latency: new LatencyRecorder() };
      this.reads.ok++;
      this.reads.latency.recordMs(latencyMs);
    }
    const now = this.now();
    this.intervals.success(now, latencyMs);
    if (this.successes) {
      this.successes.atMs.push(micro(now - this.t0));
      this.successes.latencyMs.push(micro(latencyMs));
    }
  }

  failure(kind: string): void {
    if (!this.measuring) return;
    this.errors++;
    this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
    this.intervals.failure(this.now());
  }

  result(): LoadResult {
    if (!this.ended) throw new Error("the measured window never closed");
    const windowS = (this.t1 - this.t0) / 1000;
    return {
      requests: this.ok + this.errors,
      ok: this.ok,
      errors: this.errors,
      errorKinds: { ...this.errorKinds },
      windowS,
      throughput: this.ok / windowS,
      latency: this.latency.summary(),
      ...(this.reads
        ? { reads: { ok: this.reads.ok, throughput: this.reads.ok / windowS, latency: this.reads.latency.summary() } }
        : {}),
      series: this.intervals.series(),
      cpu: this.cpu,
      elu: this.elu,
      ...(this.successes ? { successes: this.successes satisfies SuccessLog } : {}),
      ...(this.keepHistograms
        ? {
            histograms: {
              whole: this.latency.encode(),
              intervals: this.intervals.histograms()!,
              ...(this.reads ? { reads: this.reads.latency.encode() } : {}),
            },
          }
        : {}),
    };
  }
}

function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
