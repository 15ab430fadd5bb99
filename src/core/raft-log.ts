// The node's log as the protocol sees it (etcd-io/raft log.go): the stable part through the
// LogReader, the unstable suffix in memory, and the cursors commit ≥ applying ≥ applied.
//
// It also remembers what each numbered Ready asked the shell to write (tikv/raft-rs
// `on_persist_ready`), so `persisted(seq)` marks exactly those entries stable, and a suffix replaced
// while it was being written is never mistaken for durable.

import { CompactedError, type LogReader } from "./log-reader.ts";
import { ConfLog } from "./membership.ts";
import type { ConfState, Entry, Snapshot } from "./types.ts";
import { Unstable } from "./unstable.ts";

interface PendingWrite {
  readonly seq: number;
  /** Last entry written by this Ready and still part of the log (lowered when the log is truncated). */
  lastIndex: number;
  readonly snapshotIndex: number;
}

/** Bytes of entries read at a time while the configurations are recovered from the stable log. */
const RECOVERY_SCAN_BYTES = 64 << 20;

export function payloadBytes(ents: readonly Entry[]): number {
  let n = 0;
  for (const e of ents) n += e.data.length;
  return n;
}

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known to be committed. */
  committed: number;
  /** Highest index handed to the shell in `committedEntries`. */
  applying: number;
  /** Highest index the shell reported applied. */
  applied: number;
  /** The configurations of the log's entries; the latest is in force (membership.ts). */
  readonly confs: ConfLog;
  private readonly pending: PendingWrite[] = [];

  /** `initial`: the configuration in force before any configuration entry, without a snapshot. */
  constructor(
    readonly reader: LogReader,
    initial: ConfState,
  ) {
    const snap = reader.snapshot();
    this.unstable = new Unstable(reader.lastIndex() + 1);
    this.confs = snap.meta.index > 0 ? new ConfLog(snap.meta.conf, snap.meta.index) : new ConfLog(initial, 0);
    for (let i = reader.firstIndex(); i <= reader.lastIndex(); ) {
      const ents = reader.entries(i, reader.lastIndex() + 1, RECOVERY_SCAN_BYTES);
      this.confs.append(ents);
      i += ents.length;
    }
    // A torn write can leave the hard state's commit ahead of the recovered log: the entries are
    // committed on a majority and come back from the leader.
    const hs = reader.initialState().hardState;
    this.committed = Math.max(snap.meta.index, Math.min(hs.commit, this.lastIndex()));
    this.applying = snap.meta.index;
    this.applied = snap.meta.index;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.reader.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.unstable.offset - 1;
  }

  /** The last index that is durable (and still part of the log). The leader's own match index. */
  stableIndex(): number {
    return this.unstable.snapshot ? 0 : this.unstable.offset - 1;
  }

  /** Term of entry `i`, or undefined if it is compacted or beyond the log. */
  term(i: number): number | undefined {
    if (!Number.isSafeInteger(i) || i < 0 || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    if (i < this.firstIndex() - 1) return undefined;
    if (this.unstable.snapshot) return undefined;
    try {
      return this.reader.term(i);
    } catch (err) {
      if (err instanceof CompactedError) return undefined;
      throw err;
    }
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ours = this.lastTerm();
    return lastTerm > ours || (lastTerm === ours && lastIndex >= this.lastIndex());
  }

  /** Index of the first entry of `ents` that is absent or has another term here; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term` (fast backtracking: everything above it
   * cannot match a log whose entry at `index` has `term`). Unknown terms (compacted) count as a
   * possible match, returned with term 0.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends entries (they must follow on from index ents[0].index - 1), truncating any suffix. */
  append(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const from = ents[0]!.index;
    for (const w of this.pending) w.lastIndex = Math.min(w.lastIndex, from - 1);
    this.unstable.truncateAndAppend(ents);
    this.confs.append(ents);
  }

  /**
   * The follower side of AppendEntries: if our entry at `prevIndex` has `prevTerm`, appends what is
   * new in `ents` and commits up to min(`commit`, last new index). Returns the last new index, or
   * undefined if the consistency check fails or the message would rewrite committed entries (which a
   * correct leader never sends; such a message is ignored).
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) return undefined;
      this.append(ents.slice(ci - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  commitTo(n: number): void {
    const to = Math.min(n, this.lastIndex());
    if (to > this.committed) this.committed = to;
  }

  /** Commits `maxIndex` if it is of `term` (Raft §5.4.2: only current-term entries by counting). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.committed = maxIndex;
      return true;
    }
    return false;
  }

  /** Resets the log to a snapshot received from the leader. */
  restore(snap: Snapshot): void {
    for (const w of this.pending) w.lastIndex = 0;
    this.unstable.restore(snap);
    this.confs.restore(snap.meta.conf, snap.meta.index);
    this.committed = snap.meta.index;
    this.applying = snap.meta.index;
    this.applied = snap.meta.index;
  }

  /**
   * Up to `maxEntries` entries from `lo` to the end of the log, the first one always and then as
   * many as fit in `maxBytes`. Null if `lo` is compacted (the caller sends a snapshot).
   */
  entriesFrom(lo: number, maxEntries: number, maxBytes: number): Entry[] | null {
    return this.slice(lo, Math.min(this.lastIndex() + 1, lo + maxEntries), maxBytes);
  }

  /** Entries [lo, hi) limited to `maxBytes` (at least one); null if `lo` is compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | null {
    if (lo < this.firstIndex()) return null;
    if (lo >= hi) return [];
    const off = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < off) {
      try {
        out = this.reader.entries(lo, Math.min(hi, off), maxBytes);
      } catch (err) {
        if (err instanceof CompactedError) return null;
        throw err;
      }
      if (out.length < Math.min(hi, off) - lo) return out;
    }
    if (hi > off) {
      let bytes = payloadBytes(out);
      for (const e of this.unstable.slice(Math.max(lo, off), hi)) {
        if (out.length > 0 && bytes + e.data.length > maxBytes) break;
        out.push(e);
        bytes += e.data.length;
      }
    }
    return out;
  }

  // --- apply cursor ---

  hasNextCommittedEntries(): boolean {
    return this.committed > this.applying;
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.slice(this.applying + 1, this.committed + 1, maxBytes) ?? [];
  }

  acceptApplying(index: number): void {
    if (index > this.applying) this.applying = index;
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = Math.min(index, this.applying);
    this.confs.compactTo(this.applied);
  }

  // --- persistence bookkeeping ---

  /** Records that Ready `seq` carried the current unstable entries/snapshot to the shell. */
  acceptUnstable(seq: number, wroteEntries: boolean): void {
    const snap = this.unstable.nextSnapshot();
    if (wroteEntries || snap) {
      this.pending.push({
        seq,
        lastIndex: wroteEntries ? this.lastIndex() : 0,
        snapshotIndex: snap ? snap.meta.index : 0,
      });
    }
    this.unstable.acceptInProgress();
  }

  /** Everything written by Readies up to `seq` is durable. */
  persisted(seq: number): void {
    while (this.pending.length > 0 && this.pending[0]!.seq <= seq) {
      const w = this.pending.shift()!;
      if (w.snapshotIndex > 0) this.unstable.stableSnapTo(w.snapshotIndex);
      if (w.lastIndex > 0) {
        const t = this.unstable.maybeTerm(w.lastIndex);
        if (t !== undefined) this.unstable.stableTo(w.lastIndex, t);
      }
    }
  }

  /** The snapshot to send to a follower that needs compacted entries. */
  snapshot(): Snapshot {
    return this.reader.snapshot();
  }
}
