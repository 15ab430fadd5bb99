// Proposals waiting for their log entry to be applied, by log index.
//
// A waiter is for the entry (index, term) its leader appended. Its outcome is known only once that
// index is applied: the same term means committed, another term means the slot went to another
// leader's entry, so it is certainly lost. Losing its place in this node's log proves nothing: the
// entry may survive on another node that later leads and commits it. So when a leader of a later
// term reuses the index, the older waiter stays beside the new one until the index is applied
// (the rule etcd's wait registry and hashicorp/raft's futures follow: settle on what commits).

export interface IndexedWaiter {
  /** The term of the entry the proposal became. */
  readonly term: number;
}

export class ProposalWaiters<W extends IndexedWaiter> {
  /** The newest waiter at each index (nearly always the only one). */
  private readonly newest = new Map<number, W>();
  /** Older-term waiters whose index a later leader reused: rare, so kept apart from the hot map. */
  private readonly displaced = new Map<number, W[]>();

  add(index: number, w: W): void {
    const prev = this.newest.get(index);
    if (prev !== undefined) {
      const older = this.displaced.get(index);
      if (older) older.push(prev);
      else this.displaced.set(index, [prev]);
    }
    this.newest.set(index, w);
  }

  /** The waiter for the entry (index, term), if any. */
  find(index: number, term: number): W | undefined {
    const w = this.newest.get(index);
    if (w === undefined || w.term === term) return w;
    return this.displaced.get(index)?.find((o) => o.term === term);
  }

  /** Removes every waiter at `index` and hands each to `fn`. */
  take(index: number, fn: (w: W) => void): void {
    const w = this.newest.get(index);
    if (w === undefined) return;
    this.newest.delete(index);
    const older = this.displaced.get(index);
    if (older) {
      this.displaced.delete(index);
      for (const o of older) fn(o);
    }
    fn(w);
  }

  /** Removes every waiter at an index ≤ `index` and hands each to `fn`. */
  takeUpTo(index: number, fn: (w: W) => void): void {
    for (const i of [...this.newest.keys()]) if (i <= index) this.take(i, fn);
  }

  /** Removes every waiter and hands each to `fn`. */
  takeAll(fn: (w: W) => void): void {
    this.takeUpTo(Infinity, fn);
  }
}
