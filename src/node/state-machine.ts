// What the driver replicates into, after hashicorp/raft's FSM: committed entries are applied one at a
// time in log order, and the whole state can be saved to bytes and brought back from them. The driver,
// the appliers and the simulator know machines only through this interface.

import type { Entry } from "../core/types.ts";

export interface StateMachine<R = unknown> {
  /** Index of the last entry applied, or of the snapshot last restored. */
  readonly appliedIndex: number;
  /**
   * Applies one committed entry; the result goes to its proposer. An empty entry (a new leader's
   * no-op) and a configuration entry (`type` ConfChange, the core's) change nothing in a machine.
   */
  apply(entry: Entry): R;
  /** The whole state as bytes; it describes `appliedIndex`. */
  snapshot(): Uint8Array;
  /** Replaces the whole state with a snapshot's, taken at `index`. */
  restore(data: Uint8Array, index: number): void;
}

const EMPTY = new Uint8Array(0);

/**
 * A machine that keeps nothing: applying only advances `appliedIndex`, and snapshots are empty. With it
 * a node measures replication alone (log, fsync, network, commit) without the cost of a real machine.
 */
export class NoopStateMachine implements StateMachine<undefined> {
  appliedIndex = 0;

  apply(entry: Entry): undefined {
    this.appliedIndex = entry.index;
    return undefined;
  }

  snapshot(): Uint8Array {
    return EMPTY;
  }

  restore(_data: Uint8Array, index: number): void {
    this.appliedIndex = index;
  }
}
