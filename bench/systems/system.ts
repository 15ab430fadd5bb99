// A replicated key-value system the sweep can put under load: raftlab itself or a peer baseline.

import type { EventTarget } from "../events/runner.ts";
import type { Protocol } from "../load/spec.ts";
import type { CellMechanism, CellTopology, ProcessUsage, StageTimings } from "../results.ts";

export interface Scrape {
  /** Per-stage latency on the leader; null for a system that does not report stages. */
  readonly stagesMs: StageTimings | null;
  /** CPU and event-loop utilization of every member since the last `resetStats()`. */
  readonly usage: ProcessUsage[];
  /** The mechanism counters over the window; null for a system that has none. */
  readonly mechanism: CellMechanism | null;
}

export interface SystemUnderTest {
  readonly protocol: Protocol;
  /** Starts every member on fresh data directories and free ports; resolves with the leader's client URL. */
  start(): Promise<string>;
  /** Every member's client URL, which the open loop follows the leader among (empty: it stays on the first). */
  clientUrls(): readonly string[];
  /** Why the system is broken (a member exited), or null while it is healthy. */
  failure(): string | null;
  /** Restarts the measured window of every member's statistics. */
  resetStats(): Promise<void>;
  scrape(): Promise<Scrape>;
  /** The running members' process ids, by the process names `scrape()` reports (local members only). */
  pids(): ReadonlyMap<string, number>;
  /** Kills, pauses, link cuts and slow disks for `--event` (only where the bench started the members). */
  eventTarget?(): EventTarget;
  /** Where the cell ran, for a system the bench did not start. */
  topology?(): CellTopology;
  /** Stops every member (never leaves a process behind) and removes the data directories. */
  stop(): Promise<void>;
}

/** Rounds to 3 decimals: microsecond precision for figures in ms. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
