// The analytic bounds of a cell (README and docs/DESIGN.md, "Calibration and bounds"): from a
// calibration and the cell's environment and flags, the least latency and the most throughput the
// implementation allows, and which limit binds. Each formula follows what the driver and the core
// do under the flags (src/node/driver.ts, src/core/config.ts):
//   batch off       — one proposal per write+fsync, one entry per AppendEntries;
//   batch on        — proposals held while a write is in flight share the next write+fsync;
//   pipeline off    — one AppendEntries in flight per follower;
//   parallel-append — the leader sends before its own fsync, so the two overlap (Raft thesis §10.2.1);
//   async-apply     — the modelled apply cost is paid off the event loop, on a thread of its own.
// The bounds model writes on a cluster started by the bench; other cells get none.

import { DEFAULTS } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { SPIN_BELOW_US } from "../../src/node/appliers.ts";
import type { CellConfig } from "../results.ts";
import type { Calibration } from "./calibration.ts";

export type Binding =
  | "leader-cpu"
  | "follower-cpu"
  | "machine-cpu"
  | "apply"
  | "fsync"
  | "replication-window"
  | "little's law"
  | "offered load"
  | "commit path";

export interface Bound {
  readonly value: number;
  /** The limit that gives the bound. */
  readonly binding: Binding;
}

/** What the bounds read of a cell: its configuration, and whether it ran on a cluster elsewhere. */
export type BoundedCell = CellConfig & { readonly topology?: unknown };

/** Why a cell has no bounds, or null if it has. */
export function unbounded(cell: BoundedCell): string | null {
  if (cell.system !== "raftlab") return "the calibration measures raftlab only";
  if (cell.readRatio > 0) return "the bounds model writes only";
  if (cell.events?.length) return "injected events are not modelled";
  return null;
}

/** One log write + fsync in the cell's environment, µs (the emulated delay adds to the disk's). */
export function fsyncUs(cal: Calibration, cell: CellConfig): number {
  return cal.fsyncUs.p50 + cell.fsyncDelayUs;
}

/** A peer round trip in the cell's environment, µs: link shaping delays each direction. */
export function rttUs(cal: Calibration, cell: CellConfig): number {
  return cal.peerRttUs.p50 + 2 * cell.netDelayMs * 1000;
}

/**
 * The leader's CPU per write at `size` nodes: the 1-node cost plus, per follower, the difference the
 * two followers of the calibrated 3-node run made (an AppendEntries sent and its answer handled).
 */
export function leaderCpuUs(cal: Calibration, size: number): number {
  const perFollower = Math.max(0, (cal.leaderCpuUsPerWrite.us - cal.httpUs.us) / 2);
  return cal.httpUs.us + (size - 1) * perFollower;
}

/**
 * From the proposal's arrival to its commit on the leader, µs. Alone: its own fsync. Parallel append
 * off: the leader's fsync, then the round trip that carries the entry and a follower's fsync; on: the
 * two overlap, and the slower one counts.
 */
export function commitPathUs(cal: Calibration, cell: CellConfig): number {
  const f = fsyncUs(cal, cell);
  if (cell.size === 1) return f;
  const remote = rttUs(cal, cell) + f;
  return parseFlags(cell.flags).parallelAppend ? Math.max(f, remote) : f + remote;
}

/**
 * One write alone through an idle cluster, µs, as the load generator times it: its own CPU for the
 * request, the leader's, the commit path, the apply hold.
 */
export function unloadedLatencyUs(cal: Calibration, cell: CellConfig): number {
  return cal.loadgenCpuUsPerWrite.us + cal.httpUs.us + commitPathUs(cal, cell) + cell.applyCostUs;
}

/** Every throughput ceiling of the cell, writes/s (Infinity where a limit does not apply). */
export function ceilings(cal: Calibration, cell: BoundedCell): Record<Exclude<Binding, "commit path">, number> {
  const flags = parseFlags(cell.flags);
  const perS = (us: number): number => (us > 0 ? 1e6 / us : Number.POSITIVE_INFINITY);
  // Inline apply holds the event loop; async apply holds its own thread, one batch after another.
  const loopHoldUs = flags.asyncApply ? 0 : cell.applyCostUs;
  const followers = cell.size - 1;
  const f = fsyncUs(cal, cell);
  // A hold below SPIN_BELOW_US is spun, so it takes CPU from the machine; a longer one mostly sleeps.
  const spinUs = Math.min(cell.applyCostUs, SPIN_BELOW_US);
  const machineUs =
    leaderCpuUs(cal, cell.size) +
    followers * cal.followerCpuUsPerWrite.us +
    cal.loadgenCpuUsPerWrite.us +
    cell.size * spinUs;
  const window = flags.pipeline ? (cell.maxInflight ?? DEFAULTS.maxInflight) : 1;
  const perAppend = flags.batch ? (cell.maxBatchEntries ?? DEFAULTS.maxBatchEntries) : 1;
  // A window slot is taken when the Ready hands the AppendEntries out, before the leader's own
  // fsync when parallel append is off, and freed by the answer, which follows the follower's fsync.
  const slotUs = (flags.parallelAppend ? 0 : f) + rttUs(cal, cell) + f;
  const closed = cell.connections;
  return {
    "leader-cpu": perS(leaderCpuUs(cal, cell.size) + loopHoldUs),
    "follower-cpu": followers === 0 ? Number.POSITIVE_INFINITY : perS(cal.followerCpuUsPerWrite.us + loopHoldUs),
    // The calibration's CPU figures are this machine's: a cluster elsewhere has its own cores.
    "machine-cpu": cell.topology ? Number.POSITIVE_INFINITY : (cal.machine.cores * 1e6) / machineUs,
    apply: perS(cell.applyCostUs),
    // Batch off: one write per fsync. On: every proposal outstanding can share one (closed loop: C).
    fsync: flags.batch ? (closed === null ? Number.POSITIVE_INFINITY : closed * perS(f)) : perS(f),
    "replication-window": followers === 0 ? Number.POSITIVE_INFINITY : window * perAppend * perS(slotUs),
    "little's law": closed === null ? Number.POSITIVE_INFINITY : closed * perS(unloadedLatencyUs(cal, cell)),
    "offered load": cell.rate ?? Number.POSITIVE_INFINITY,
  };
}

/** The least of the ceilings, writes/s, and the limit it comes from; null for a cell without bounds. */
export function throughputCeiling(cal: Calibration, cell: BoundedCell): Bound | null {
  return unbounded(cell) ? null : least(ceilings(cal, cell));
}

function least(limits: Partial<Record<Binding, number>>): Bound {
  let best: Bound = { value: Number.POSITIVE_INFINITY, binding: "offered load" };
  for (const [binding, value] of Object.entries(limits) as [Binding, number][]) {
    if (value < best.value) best = { value, binding };
  }
  return best;
}

/**
 * The least mean latency, ms: one write's unloaded path, or, in a closed loop held at the throughput
 * ceiling, the wait Little's law gives (C ÷ X); the larger of the two, named by its limit.
 */
export function latencyFloorMs(cal: Calibration, cell: BoundedCell): Bound | null {
  if (unbounded(cell)) return null;
  const path: Bound = { value: unloadedLatencyUs(cal, cell) / 1000, binding: "commit path" };
  if (cell.connections === null) return path;
  const { "little's law": _, ...others } = ceilings(cal, cell);
  const ceiling = least(others);
  const queued = (cell.connections / ceiling.value) * 1000;
  return queued > path.value ? { value: queued, binding: ceiling.binding } : path;
}
