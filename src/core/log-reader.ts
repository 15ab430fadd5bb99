// The core's synchronous view of the stable log (etcd-io/raft's `Storage`). The durable store keeps
// an in-memory mirror of the entries since its last snapshot so these reads never wait on disk;
// compaction keeps that mirror bounded.

import type { Entry, HardState, Snapshot } from "./types.ts";

export interface LogReader {
  /** The hard state and snapshot recovered at start-up. */
  initialState(): { hardState: HardState };
  /** Index of the first entry still in the log (the snapshot's index + 1). */
  firstIndex(): number;
  /** Index of the last stable entry (the snapshot's index when the log is empty). */
  lastIndex(): number;
  /** Term of entry `i`, for `firstIndex()-1 <= i <= lastIndex()`; throws `CompactedError` below. */
  term(i: number): number;
  /** Entries [lo, hi), at least one if lo < hi, then up to `maxBytes` of payload in all. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The latest snapshot (an empty one at index 0 when there is none). */
  snapshot(): Snapshot;
}

export class CompactedError extends Error {
  constructor(index: number, firstIndex: number) {
    super(`entry ${index} was compacted (first index is ${firstIndex})`);
    this.name = "CompactedError";
  }
}

/** Writes the store performs for the shell. Async/durable stores call back once `sync` completes. */
export interface LogWriter {
  /** Appends entries, truncating any existing suffix that starts at `entries[0].index`. */
  append(entries: readonly Entry[]): void;
  setHardState(hs: HardState): void;
  /** Installs a snapshot received from the leader, discarding the log it covers (or all of it if it conflicts). */
  applySnapshot(snap: Snapshot): void;
  /** Records a snapshot of the local state machine at `index` and drops log entries up to it. */
  compact(snap: Snapshot): void;
}
