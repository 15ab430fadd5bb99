// A LogReader for the core's tests, with the writes the shell performs (mirrors what a store does,
// minus the disk). Only durable state lives here: a test writes a Ready into it when it "persists".

import { CompactedError, type LogReader } from "../../../src/core/log-reader.ts";
import type { ConfState, Entry, HardState, Snapshot } from "../../../src/core/types.ts";

export class MemLog implements LogReader {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snap: Snapshot = {
    meta: { index: 0, term: 0, conf: { voters: [], learners: [], addresses: {} } },
    data: new Uint8Array(0),
  };
  /** Entries after the snapshot. */
  ents: Entry[] = [];

  initialState(): { hardState: HardState } {
    return { hardState: this.hardState };
  }

  firstIndex(): number {
    return this.snap.meta.index + 1;
  }

  lastIndex(): number {
    return this.snap.meta.index + this.ents.length;
  }

  term(i: number): number {
    const s = this.snap.meta.index;
    if (i < s) throw new CompactedError(i, this.firstIndex());
    if (i === s) return this.snap.meta.term;
    const e = this.ents[i - s - 1];
    if (!e) throw new RangeError(`term(${i}): beyond last index ${this.lastIndex()}`);
    return e.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError(lo, this.firstIndex());
    if (hi > this.lastIndex() + 1) throw new RangeError(`entries(${lo}, ${hi}): beyond last index ${this.lastIndex()}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - this.firstIndex()]!;
      if (out.length > 0 && bytes + e.data.length > maxBytes) break;
      out.push(e);
      bytes += e.data.length;
    }
    return out;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const from = entries[0]!.index;
    if (from > this.lastIndex() + 1 || from <= this.snap.meta.index) {
      throw new RangeError(`append at ${from}: log is [${this.firstIndex()}, ${this.lastIndex()}]`);
    }
    this.ents = this.ents.slice(0, from - this.firstIndex()).concat(entries);
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  applySnapshot(snap: Snapshot): void {
    this.snap = snap;
    this.ents = [];
  }

  /** Drops entries up to `index` behind a snapshot of the state machine at `index`. */
  compact(index: number, data: Uint8Array, conf: ConfState): void {
    const term = this.term(index);
    this.ents = this.ents.slice(index - this.snap.meta.index);
    this.snap = { meta: { index, term, conf }, data };
  }
}
