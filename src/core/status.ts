// What a node reports about itself (for /status, tests and the simulator's invariant checks).

import type { ProgressState } from "./progress.ts";
import type { ConfState, NodeId, Role } from "./types.ts";

export interface FollowerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  /** AppendEntries in flight (the pipelining window's fill). */
  readonly inflight: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  /** The known leader, or NONE (0). */
  readonly leader: NodeId;
  readonly commit: number;
  /** Highest index the shell reported applied. */
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Last index known durable on this node. */
  readonly stableIndex: number;
  /** The leader's transfer target while it hands over (thesis §3.10), else NONE (0). */
  readonly leadTransferee: NodeId;
  /** The configuration in force (the latest in the log, committed or not). */
  readonly conf: ConfState;
  /** The entry that put `conf` in force (or the snapshot holding it; 0: the initial one); committed once ≤ `commit`. */
  readonly confIndex: number;
  /** The leader's view of each follower (null on other roles). */
  readonly progress: Readonly<Record<NodeId, FollowerStatus>> | null;
}
