// Where a hard-state change goes on disk. Both stores follow this rule: the file store writes it,
// and the simulator's in-memory store plays it back against a disk that loses unsynced writes, so
// the simulator checks the very rule the real store runs.
//
// Two places hold hard state: the hard-state file (term and vote; replaced whole, durable at once)
// and the log (a commit record after the entries it covers, durable with the next fdatasync).
// Recovery takes the highest commit either holds, clamped to the end of the recovered log.
//
// Invariant: a durable commit index never exceeds what the durable log justifies. The log can hold
// an uncommitted suffix from an older term that the current leader is overwriting; until the new
// entries are durable, the old ones are what a crash leaves. A commit index that reached the disk
// ahead of them would cover the old suffix after a crash, and the node would apply entries that
// were never committed. So:
// - a commit record goes into the log after the entries it covers: one file, written in order,
//   and a crash keeps a prefix of it (recovery cuts a torn tail), so the record never outlives them;
// - the hard-state file, which is durable before the log writes issued ahead of it, carries only
//   a commit index the durable log already justifies (`durableCommit`, advanced when an fdatasync
//   covering its commit record completes), never the in-memory one.
// (etcd's WAL gets the same guarantee by putting hard state and entries in one ordered log.)

import type { HardState } from "../core/types.ts";

export interface HardStateWrites {
  /** New contents of the hard-state file, when term or vote changed. */
  readonly file: HardState | null;
  /** A commit record to append to the log, when the commit index changed. */
  readonly commitRecord: number | null;
}

/**
 * What to write for a change from `prev` to `next` (both as the core sees them), given the highest
 * commit index whose log record is already durable.
 */
export function hardStateWrites(prev: HardState, next: HardState, durableCommit: number): HardStateWrites {
  const termOrVote = next.term !== prev.term || next.vote !== prev.vote;
  return {
    file: termOrVote ? { term: next.term, vote: next.vote, commit: Math.min(next.commit, durableCommit) } : null,
    commitRecord: next.commit !== prev.commit ? next.commit : null,
  };
}
