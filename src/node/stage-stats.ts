// Per-stage latency of proposals on the leader, in HDR histograms (microseconds), and how busy the
// event loop is. The bench scrapes these (JSON from `/stats`) to break a cell's latency into stages.

import { type EventLoopUtilization, performance } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import type { ProposalTimings } from "./driver.ts";

/**
 * queue     — waiting in the leader's proposal queue (e.g. behind an in-flight group commit);
 * append    — the leader's own log write + fsync, from proposal to durable;
 * replicate — from proposal to commit: the quorum round (AppendEntries, follower fsync, ack);
 * apply     — from commit to applied;
 * total     — from arrival at the node to applied (the reply is written right after).
 */
export const STAGES = ["queue", "append", "replicate", "apply", "total"] as const;
export type Stage = (typeof STAGES)[number];

export interface StageSummary {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
}

function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Microseconds from `a` to `b` (milliseconds), never negative. */
function us(a: number, b: number): number {
  return Math.max(0, Math.round((b - a) * 1000));
}

export class StageStats {
  /** @param observe also receives every recorded stage duration (e.g. for Prometheus). */
  constructor(private readonly observe?: (stage: Stage, us: number) => void) {}

  private readonly hist = new Map<Stage, hdr.Histogram>(STAGES.map((s) => [s, histogram()]));
  private eluBase: EventLoopUtilization = performance.eventLoopUtilization();
  private cpuBase = process.cpuUsage();
  private wallBase = performance.now();

  /** Records one proposal; times are `performance.now()` milliseconds. */
  record(t: ProposalTimings): void {
    this.add("queue", us(t.queued, t.proposed));
    // Under parallel-append a proposal can be applied before the leader's own fsync completes.
    if (t.persisted > 0) this.add("append", us(t.proposed, t.persisted));
    this.add("replicate", us(t.proposed, t.committed));
    this.add("apply", us(t.committed, t.applied));
    this.add("total", us(t.queued, t.applied));
  }

  private add(stage: Stage, us: number): void {
    this.hist.get(stage)!.recordValue(Math.max(1, us));
    this.observe?.(stage, us);
  }

  /** Clears the histograms and restarts the CPU / event-loop windows (e.g. after a bench warm-up). */
  reset(): void {
    for (const h of this.hist.values()) h.reset();
    this.eluBase = performance.eventLoopUtilization();
    this.cpuBase = process.cpuUsage();
    this.wallBase = performance.now();
  }

  summary(): {
    stagesUs: Record<Stage, StageSummary>;
    elu: number;
    cpu: { userMs: number; systemMs: number; wallMs: number };
  } {
    const stagesUs = {} as Record<Stage, StageSummary>;
    for (const [stage, h] of this.hist) {
      stagesUs[stage] = {
        count: h.totalCount,
        meanUs: h.totalCount ? h.mean : 0,
        p50Us: h.getValueAtPercentile(50),
        p90Us: h.getValueAtPercentile(90),
        p99Us: h.getValueAtPercentile(99),
        p999Us: h.getValueAtPercentile(99.9),
        maxUs: h.maxValue,
      };
    }
    const cpu = process.cpuUsage(this.cpuBase);
    return {
      stagesUs,
      elu: performance.eventLoopUtilization(this.eluBase).utilization,
      cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000, wallMs: performance.now() - this.wallBase },
    };
  }
}
