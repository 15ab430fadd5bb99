// The result records of a benchmark run (docs/DESIGN.md "Results and reports"). People script against
// `results.json`: change these types only compatibly (add fields; never rename or remove one).

import type { Mechanism, MechanismWindow } from "../src/node/mechanism-counters.ts";
import type { ReadMode } from "../src/node/read-mode.ts";
import type { PerfModel } from "../src/sim/perf-model.ts";
import type { Calibration } from "./calibrate/calibration.ts";
import type { MachineInfo } from "./machine.ts";

export interface LatencyMs {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** CPU time and event-loop utilization of one process over a cell's measured window. */
export interface ProcessUsage {
  /** `node-1`, …, or `loadgen`. */
  readonly process: string;
  readonly role: string;
  /** CPU time (user + system) divided by wall time: 1.0 = one core busy. */
  readonly cpu: number;
  /** Event-loop utilization, 0..1. */
  readonly elu: number;
  /** CPU time per acknowledged operation of the cell, in µs: `cpu` ÷ throughput (absent in older runs). */
  readonly cpuUsPerOp?: number | null;
  /**
   * Time the process's threads were runnable but waiting for a core, per second of wall time
   * (/proc/PID/task/N/schedstat; bench/sched-window.ts); null where unreadable, absent in older runs.
   */
  readonly runQueueWait?: number | null;
}

/** A cell's reads alone, over the measured window. */
export interface ReadFigures {
  /** Successful reads per second. */
  readonly throughput: number;
  readonly latencyMs: LatencyMs;
}

/**
 * How a cell's reads are served (`bench --read-mode`): by the leader, through ReadIndex or its lease
 * (`raftlab node --read-mode`), or `stale`: by every node from its own state (`GET /kv/K?stale=1`).
 */
export type BenchReadMode = ReadMode | "stale";

/** Per-stage latency on the leader, in ms (see src/node/stage-stats.ts for the stage definitions). */
export interface StageTimings {
  readonly queue: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly append: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly replicate: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly apply: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly total: { readonly p50: number; readonly p99: number; readonly mean: number };
}

/** One point of the latency distribution (HDR percentile plot). */
export interface PercentilePoint {
  /** In percent, 0–100 (as hdr-histogram's `getValueAtPercentile`): 99.9 is p99.9. */
  readonly percentile: number;
  readonly ms: number;
}

/**
 * Throughput and latency over a cell's measured window in fixed intervals, as columns (one entry per
 * interval): completions, errors, and p50/p99 of each interval's own histogram (null if empty).
 */
/** One load worker's part of a distributed load (`--loadgen`). */
export interface LoadWorkerShare {
  readonly url: string;
  /** Its connections (closed loop) or its rate and outstanding cap (open loop). */
  readonly mode:
    | { readonly kind: "closed"; readonly connections: number }
    | { readonly kind: "open"; readonly rate: number; readonly maxOutstanding: number };
  readonly ok: number;
  readonly errors: number;
  /** The worker's own CPU over its window, in cores. */
  readonly cpu: number;
}

export interface TimeSeries {
  readonly intervalMs: number;
  /** Length of the measured window; the last interval is what is left of it. */
  readonly windowMs: number;
  readonly ok: readonly number[];
  readonly errors: readonly number[];
  readonly p50Ms: readonly (number | null)[];
  readonly p99Ms: readonly (number | null)[];
}

/** One node's mechanism counters over the measured window (see src/node/mechanism-counters.ts). */
export interface NodeMechanism {
  readonly process: string;
  /** The node's role when the window closed. */
  readonly role: string;
  readonly windowS: number;
  readonly counters: Readonly<Record<Mechanism, MechanismWindow>>;
}

/** What the optimizations did in a cell, as the report quotes it (the leader's view unless named). */
export interface MechanismSummary {
  /** Mean entries per leader log write+fsync (batch: group commit). */
  readonly entriesPerLeaderFsync: number;
  readonly leaderFsyncsPerS: number;
  /** Mean entries per AppendEntries the leader sent (batch). */
  readonly entriesPerAppend: number;
  /** AppendEntries in flight per follower, sampled at each send (pipeline): mean and max. */
  readonly inflightMean: number;
  /** Bucket bound: exact for 1 and 2, else the next power of two. */
  readonly inflightMax: number;
  /** Log write+fsyncs per second on a follower, mean over the followers. */
  readonly followerFsyncsPerS: number;
  readonly entriesPerFollowerFsync: number;
  /** Mean entries per apply batch on the leader (async apply). */
  readonly applyBatchMean: number;
  /** Proposals waiting each time the leader drains its queue: mean and max (bucket bound). */
  readonly queueDepthMean: number;
  readonly queueDepthMax: number;
  /** Mean payload bytes per log write+fsync on the leader. */
  readonly bytesPerWrite: number;
}

export interface CellMechanism {
  /** Null when no node was leader at the end of the window. */
  readonly summary: MechanismSummary | null;
  readonly nodes: readonly NodeMechanism[];
}

export interface CellConfig {
  /** `raftlab` or a peer baseline such as `etcd`. */
  readonly system: string;
  readonly flags: string;
  readonly size: number;
  /** Closed loop: concurrent connections. Open loop: null (see `rate`). */
  readonly connections: number | null;
  /** Open loop: requests per second offered. Closed loop: null. */
  readonly rate: number | null;
  readonly rep: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueSize: number;
  readonly keys: number;
  readonly keyDist: "uniform" | "zipf";
  readonly readRatio: number;
  /** raftlab cells of a run given `--read-mode`; absent: the nodes' default, ReadIndex (and for a peer). */
  readonly readMode?: BenchReadMode;
  readonly netDelayMs: number;
  readonly netJitterMs: number;
  readonly netLoss: number;
  readonly fsyncDelayUs: number;
  readonly applyCostUs: number;
  /** Replication knobs given to every node (absent: the node's default; see `raftlab node --help`). */
  readonly maxInflight?: number;
  readonly maxInflightBytes?: number;
  readonly maxBatchEntries?: number;
  readonly maxBatchBytes?: number;
  readonly maxApplyBytes?: number;
  /** Events injected into the cell (`--event`), canonically spelled (`partition-leader:800@2`); absent: none. */
  readonly events?: readonly string[];
}

/** Throughput and p99 of the successes completed in a span of time around an event. */
export interface EventSpan {
  /** Successes per second. */
  readonly throughput: number;
  /** p99 latency of those successes, ms (null: none completed). */
  readonly p99Ms: number | null;
}

/**
 * One event injected into a cell, and what it cost (bench/events/metrics.ts). Times are in ms, on
 * the load generator's clock (µs resolution); offsets named `…FromEvent` count from the injection.
 */
export interface CellEvent {
  /** The event as asked for (`kill-leader@2`). */
  readonly event: string;
  readonly kind: string;
  /** What was done, e.g. `kill -9 node 2, restart after 2000 ms`; the nodes it hit. */
  readonly detail: string;
  readonly nodes: readonly number[];
  /** When it was injected, ms after the measured window opened. */
  readonly injectedAtMs: number;
  /**
   * From the injection to the first success of a request due after it (a reply already on its way
   * does not count); null when none came before the window closed.
   */
  readonly firstSuccessMs: number | null;
  /**
   * The longest stretch without a success around the event: from the last success before it to the
   * first after, or a longer gap between successes within `compareMs` after it.
   */
  readonly unavailableMs: number;
  readonly unavailableFromEventMs: number;
  readonly unavailableToEventMs: number;
  /** Length of each of the two spans compared (the same before and after the injection). */
  readonly compareMs: number;
  readonly before: EventSpan;
  readonly after: EventSpan;
  /** The cell's series from `compareMs` before to `compareMs` after the injection (`startFromEventMs`: its first interval's start). */
  readonly series: {
    readonly intervalMs: number;
    readonly startFromEventMs: number;
    readonly ok: readonly number[];
    readonly errors: readonly number[];
    readonly p99Ms: readonly (number | null)[];
  };
  /** Link changes a node did not accept (it was down or paused), if any. */
  readonly missed?: readonly string[];
}

/** Where a cell ran when it targeted a running cluster (`bench --target`). */
export interface CellTopology {
  /** The cluster file. */
  readonly target: string;
  /** Every node's client URL. */
  readonly nodes: readonly string[];
  readonly leader: number;
  /** Median round trip of GET /status from the load generator's host to the leader, ms. */
  readonly rttMs: number | null;
}

export interface Cell extends CellConfig {
  readonly status: "ok" | "failed";
  /** Why the cell failed (status "failed"). */
  readonly error?: string;
  /** Acknowledged operations per second over the measured window. */
  readonly throughput: number;
  readonly latencyMs: LatencyMs;
  readonly percentiles: readonly PercentilePoint[];
  /** Requests that failed (non-2xx other than 404 reads, socket errors, timeouts). */
  readonly errors: number;
  readonly requests: number;
  /** The reads alone, in cells with successful reads: reads per second and their latency. */
  readonly reads?: ReadFigures;
  readonly stagesMs: StageTimings | null;
  readonly cpu: readonly ProcessUsage[];
  /** ELU per process, keyed by process name (the same numbers as in `cpu`, kept for scripts). */
  readonly elu: Readonly<Record<string, number>>;
  /** Throughput and latency per interval of the measured window (absent in older runs). */
  readonly series?: TimeSeries;
  /**
   * The host's mean steal time over the measured window, in cores (/proc/stat): CPU the hypervisor
   * gave to other guests. Null where unreadable, absent in older runs.
   */
  readonly stealCores?: number | null;
  /**
   * The whole machine's mean busy CPU over the measured window, in cores (/proc/stat): beyond the
   * cell's own processes' CPU, other work on this machine. Null where unreadable, absent in older runs.
   */
  readonly machineBusyCores?: number | null;
  /** The load workers of a distributed load (`--loadgen`), each with its share. */
  readonly loadWorkers?: readonly LoadWorkerShare[];
  /** The cluster the cell targeted (`bench --target` only). */
  readonly topology?: CellTopology;
  /** What each optimization did over the measured window (raftlab cells; absent in older runs). */
  readonly mechanism?: CellMechanism | null;
  /** What each injected event cost (cells run with `--event`); `series` is then at a finer interval. */
  readonly eventCosts?: readonly CellEvent[];
  /**
   * Simulated cells (`raftlab whatif`): the fraction of the measured window each node's modelled
   * event loop was busy, by process name. Such cells have no `cpu`, `elu` or `stealCores`: nothing ran.
   */
  readonly loopBusy?: Readonly<Record<string, number>>;
  readonly startedAt: string;
}

export interface Run {
  readonly id: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
  readonly commit: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * True for a run of the simulator's performance mode (`raftlab whatif`): virtual time and modelled
   * costs, nothing measured; the machine is the one that ran the simulation. Absent: measured.
   */
  readonly simulated?: true;
  /** A simulated run's model, as every cell used it. */
  readonly model?: PerfModel;
}

/**
 * One estimate of the 2⁴ factorial analysis of the sixteen combinations (bench/report/factorial.ts):
 * a flag's main effect or a two-flag interaction on one metric, in one group of cells sharing size,
 * load level and environment.
 */
export interface EffectEntry {
  readonly metric: "throughput" | "p50" | "p99";
  readonly size: number;
  /** `128 conn` or `5000 req/s`. */
  readonly load: string;
  /** Every environment knob, spelled canonically (`net=0.25ms jitter=0ms loss=0 fsync=1000us …`). */
  readonly env: string;
  /** A flag (`batch`) or two flags in flag order joined by ":" (`batch:pipeline`). */
  readonly term: string;
  /** exp(effect on the log scale); for a flag, the geometric mean of its on ÷ off pairs. */
  readonly ratio: number;
  readonly ci95: readonly [number, number];
  /** `replicates` (pooled replicate variance) or `lenth` (Lenth's pseudo standard error). */
  readonly method: "replicates" | "lenth";
  /** Degrees of freedom of the interval's t quantile. */
  readonly df: number;
  /** Only when the interval excludes 1; "helps" means higher throughput or lower latency. */
  readonly verdict: "helps" | "hurts" | "no effect detected";
}

export interface Results {
  readonly run: Run;
  readonly cells: readonly Cell[];
  /**
   * The verdict of a short checked run per combination (canonical spelling, e.g. `linearizable`,
   * `not linearizable`), when the run included one; shown as the report's correctness column.
   */
  readonly correctness?: Readonly<Record<string, string>>;
  /**
   * The factorial effects of the flags, when the run measured all sixteen combinations; written
   * with the final report (the report recomputes them from `cells`).
   */
  readonly effects?: readonly EffectEntry[];
  /**
   * This machine's primitive costs, taken before the cells (`bench --calibrate`, bench/calibrate/):
   * the input of each cell's bounds in the report. Absent in older runs and with `--calibrate off`.
   */
  readonly calibration?: Calibration;
  /** Micro-benchmark figures, when the run included them. */
  readonly micro?: readonly {
    readonly file: string;
    readonly task: string;
    readonly opsPerSec: number;
    readonly latencyMsP50: number;
  }[];
}
