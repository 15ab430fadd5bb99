// The faults of a chaos run, shared by the nemesis that plans and plays them (nemesis.ts), the
// injector that applies one (fault-injector.ts) and the hands that apply it to a cluster
// (cluster-target.ts, and the simulator's).

import type { LinkChangeBody } from "../node/api-types.ts";

export type FaultKind =
  | "kill-leader"
  | "kill-node"
  | "kill-all"
  | "pause-short"
  | "pause-long"
  | "pause-leader"
  | "isolate-leader"
  | "split"
  | "one-way"
  | "delay"
  | "loss"
  | "transfer-leader";

/** process: signals; network: link shaping; operations: what an operator does (a leadership hand-over). */
export type Lane = "process" | "network" | "operations";

export interface PlannedFault {
  readonly lane: Lane;
  readonly kind: FaultKind;
  /** Start, in ms after the nemesis starts. */
  readonly atMs: number;
  readonly forMs: number;
  /** The victim (for a `*-leader` kind: the stand-in when no leader is known). */
  readonly node: number;
  /** split: the minority side (the rest is the majority). */
  readonly minority?: readonly number[];
  /** one-way: "out" = the node's messages are dropped; "in" = messages to the node are dropped. */
  readonly direction?: "out" | "in";
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly lossRate?: number;
}

/**
 * The network hands on a cluster: link changes through each node's `/admin/links`, which reach a node
 * on any host. Failures (a paused node's admin endpoint, say) are reported, not thrown.
 */
export interface NetworkTarget {
  readonly ids: readonly number[];
  /** The current leader, or null when none answers as leader. */
  leader(): Promise<number | null>;
  /** Applies a link change on node `id`; resolves false when the node did not accept it. */
  shape(id: number, change: LinkChangeBody): Promise<boolean>;
  /**
   * Asks leader `id` to hand leadership to its most up-to-date follower (`POST
   * /admin/transfer-leader`); the new leader and how long it took, or why it did not happen.
   */
  transferLeader(id: number): Promise<{ leader: number; ms: number } | { refused: string }>;
}

/** Every hand, process faults too: signals, so only where the node processes are this machine's children. */
export interface FaultTarget extends NetworkTarget {
  kill(id: number): Promise<void>;
  restart(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
}

/** Whether `t` has process hands as well. */
export function hasProcesses(t: NetworkTarget): t is FaultTarget {
  return "kill" in t;
}

/** One fault as it happened: which nodes it hit and when (ms on the run's clock). */
export interface FaultEvent {
  readonly lane: Lane;
  readonly kind: FaultKind;
  readonly nodes: readonly number[];
  readonly detail: string;
  readonly startMs: number;
  endMs: number;
  /** Link changes that a node did not accept (it was paused or down), if any. */
  missed: string[];
}
