// The in-memory log both stores serve LogReader reads from: the latest snapshot plus the entries
// after it. Compaction drops entries from the front, so the mirror stays bounded.

import { CompactedError } from "../core/log-reader.ts";
import type { Entry, Snapshot } from "../core/types.ts";

const EMPTY_SNAPSHOT: Snapshot = {
  meta: { index: 0, term: 0, conf: { voters: [], learners: [], addresses: {} } },
  data: new Uint8Array(0),
};

export class LogMirror {
  private snap: Snapshot;
  /** ents[k].index === snap.meta.index + 1 + k */
  private ents: Entry[];

  constructor(snap: Snapshot = EMPTY_SNAPSHOT, ents: Entry[] = []) {
    this.snap = snap;
    this.ents = ents;
  }

  clone(): LogMirror {
    return new LogMirror(this.snap, this.ents.slice());
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  firstIndex(): number {
    return this.snap.meta.index + 1;
  }

  lastIndex(): number {
    return this.snap.meta.index + this.ents.length;
  }

  term(i: number): number {
    const base = this.snap.meta.index;
    if (i === base) return this.snap.meta.term;
    if (i < base) throw new CompactedError(i, base + 1);
    if (i > this.lastIndex()) {
      throw new RangeError(`term of entry ${i} asked, but the log ends at ${this.lastIndex()}`);
    }
    return this.ents[i - base - 1]!.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const base = this.snap.meta.index;
    if (lo <= base) throw new CompactedError(lo, base + 1);
    if (hi > this.lastIndex() + 1) {
      throw new RangeError(`entries [${lo}, ${hi}) asked, but the log ends at ${this.lastIndex()}`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - base - 1]!;
      bytes += e.data.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Appends `entries`, replacing the suffix of the log that starts at `entries[0].index`. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    if (first <= this.snap.meta.index || first > this.lastIndex() + 1) {
      throw new RangeError(
        `cannot append at index ${first}: the log holds [${this.firstIndex()}, ${this.lastIndex()}]`,
      );
    }
    this.ents.length = first - this.snap.meta.index - 1;
    for (const e of entries) this.ents.push(e);
  }

  /**
   * Replays an append found during recovery: entries the snapshot already covers are skipped,
   * but the append still ends the log where it ended it (an append that lies wholly under the
   * snapshot leaves nothing after it). Returns false if the rest does not connect to the log (a
   * gap: records are missing).
   */
  replay(entries: readonly Entry[]): boolean {
    const base = this.snap.meta.index;
    const fresh = entries[0]!.index > base ? entries : entries.filter((e) => e.index > base);
    if (fresh.length === 0) {
      this.ents = [];
      return true;
    }
    if (fresh[0]!.index > this.lastIndex() + 1) return false;
    this.append(fresh);
    return true;
  }

  /** True if the log holds entry `index` with `term` (the snapshot's own position counts). */
  matches(index: number, term: number): boolean {
    if (index < this.snap.meta.index || index > this.lastIndex()) return false;
    return this.term(index) === term;
  }

  /**
   * Installs a snapshot from the leader: the entries after it are kept only if the log agrees
   * with it at its index, otherwise the log is emptied. Returns whether the tail was kept.
   */
  install(snap: Snapshot): boolean {
    this.requireNewer(snap);
    const keepTail = this.matches(snap.meta.index, snap.meta.term);
    this.ents = keepTail ? this.ents.slice(snap.meta.index - this.snap.meta.index) : [];
    this.snap = snap;
    return keepTail;
  }

  /** Records a snapshot of the local state machine and drops the entries it covers. */
  compact(snap: Snapshot): void {
    this.requireNewer(snap);
    if (!this.matches(snap.meta.index, snap.meta.term)) {
      throw new RangeError(
        `cannot compact at index ${snap.meta.index} term ${snap.meta.term}: the log does not hold that entry`,
      );
    }
    this.ents = this.ents.slice(snap.meta.index - this.snap.meta.index);
    this.snap = snap;
  }

  private requireNewer(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) {
      throw new RangeError(
        `snapshot at index ${snap.meta.index} is not newer than the store's (${this.snap.meta.index})`,
      );
    }
  }
}
