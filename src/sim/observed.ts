// Thin wrappers that report what a node does to its log and state machine to the invariant checks,
// without changing what it does: the store and state machine the driver uses, observed.

import type { Entry, HardState, NodeId, Snapshot } from "../core/types.ts";
import type { StateMachine } from "../node/state-machine.ts";
import type { MemoryStore } from "../storage/memory-store.ts";
import type { RaftStore } from "../storage/store.ts";
import type { Invariants } from "./invariants.ts";

export class ObservedStore implements RaftStore {
  constructor(
    readonly inner: MemoryStore,
    private readonly node: NodeId,
    private readonly inv: Invariants,
    /** Told of every append too (performance mode charges its CPU cost). */
    private readonly appended: (entries: number) => void = () => {},
  ) {}

  initialState(): { hardState: HardState } {
    return this.inner.initialState();
  }
  firstIndex(): number {
    return this.inner.firstIndex();
  }
  lastIndex(): number {
    return this.inner.lastIndex();
  }
  term(i: number): number {
    return this.inner.term(i);
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.inner.entries(lo, hi, maxBytes);
  }
  snapshot(): Snapshot {
    return this.inner.snapshot();
  }
  append(entries: readonly Entry[]): void {
    this.inv.onAppend(this.node, entries);
    this.appended(entries.length);
    this.inner.append(entries);
  }
  setHardState(hs: HardState): void {
    this.inner.setHardState(hs);
  }
  applySnapshot(snap: Snapshot): void {
    this.inv.onSnapshot(this.node, snap.meta.index, snap.meta.term);
    this.inner.applySnapshot(snap);
  }
  compact(snap: Snapshot): void {
    this.inv.onCompact(this.node, snap.meta.index);
    this.inner.compact(snap);
  }
  sync(cb: (err: Error | null) => void): void {
    this.inner.sync(cb);
  }
  close(): void {
    this.inner.close();
  }

  /** Simulates a power failure (unsynced writes are lost) and tells the invariants what the log is now. */
  crash(): void {
    this.inner.crash();
    const snap = this.inner.snapshot().meta;
    const first = this.inner.firstIndex();
    const last = this.inner.lastIndex();
    const entries = last >= first ? this.inner.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [];
    this.inv.onRecover(this.node, snap.index, snap.term, entries);
  }
}

export class ObservedStateMachine<R> implements StateMachine<R> {
  constructor(
    private readonly inner: StateMachine<R>,
    private readonly node: NodeId,
    private readonly inv: Invariants,
  ) {}

  get appliedIndex(): number {
    return this.inner.appliedIndex;
  }

  apply(entry: Entry): R {
    this.inv.onApply(this.node, entry);
    return this.inner.apply(entry);
  }

  snapshot(): Uint8Array {
    return this.inner.snapshot();
  }

  restore(data: Uint8Array, index: number): void {
    this.inv.onRestore(this.node, index);
    this.inner.restore(data, index);
  }
}
