// A RaftStore held in memory for the deterministic simulator. Durability is virtual: `sync`
// completes when the injected scheduler says so, and `crash()` throws away every write that no
// completed sync covered, as a power failure would.

import type { Entry, HardState, Snapshot } from "../core/types.ts";
import { LogMirror } from "./log-mirror.ts";
import type { RaftStore } from "./store.ts";

type Write =
  | { readonly kind: "append"; readonly entries: readonly Entry[] }
  | { readonly kind: "hardState"; readonly hs: HardState }
  | { readonly kind: "install"; readonly snap: Snapshot }
  | { readonly kind: "compact"; readonly snap: Snapshot };

/** The state a sequence of writes builds: what the reads see, or what is durable. */
class StoreState {
  constructor(
    readonly log: LogMirror,
    public hardState: HardState,
  ) {}

  clone(): StoreState {
    return new StoreState(this.log.clone(), this.hardState);
  }

  apply(w: Write): void {
    switch (w.kind) {
      case "append":
        this.log.append(w.entries);
        break;
      case "hardState":
        this.hardState = w.hs;
        break;
      case "install":
        this.log.install(w.snap);
        break;
      case "compact":
        this.log.compact(w.snap);
        break;
    }
  }
}

interface PendingSync {
  /** Number of writes (since the store began) this sync makes durable. */
  readonly upTo: number;
  readonly cb: (err: Error | null) => void;
  done: boolean;
}

export class MemoryStore implements RaftStore {
  private readonly schedule: (cb: () => void) => void;
  private visible: StoreState;
  private durable: StoreState;
  /** Writes not yet durable, oldest first; `durableCount` writes came before them. */
  private undurable: Write[] = [];
  private durableCount = 0;
  private pending: PendingSync[] = [];
  /** Bumped by crash/close so callbacks scheduled before it are ignored. */
  private epoch = 0;

  /**
   * @param schedule runs its callback once a sync's virtual fsync is over (the simulator's disk);
   *   callbacks may run in any order: sync callbacks still fire in call order.
   */
  constructor(schedule: (cb: () => void) => void) {
    this.schedule = schedule;
    this.durable = new StoreState(new LogMirror(), { term: 0, vote: 0, commit: 0 });
    this.visible = this.durable.clone();
  }

  initialState(): { hardState: HardState } {
    return { hardState: this.visible.hardState };
  }
  firstIndex(): number {
    return this.visible.log.firstIndex();
  }
  lastIndex(): number {
    return this.visible.log.lastIndex();
  }
  term(i: number): number {
    return this.visible.log.term(i);
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.visible.log.entries(lo, hi, maxBytes);
  }
  snapshot(): Snapshot {
    return this.visible.log.snapshot();
  }

  append(entries: readonly Entry[]): void {
    if (entries.length > 0) this.write({ kind: "append", entries: entries.slice() });
  }
  setHardState(hs: HardState): void {
    this.write({ kind: "hardState", hs: { term: hs.term, vote: hs.vote, commit: hs.commit } });
  }
  applySnapshot(snap: Snapshot): void {
    this.write({ kind: "install", snap });
  }
  compact(snap: Snapshot): void {
    this.write({ kind: "compact", snap });
  }

  sync(cb: (err: Error | null) => void): void {
    const p: PendingSync = { upTo: this.durableCount + this.undurable.length, cb, done: false };
    this.pending.push(p);
    const epoch = this.epoch;
    this.schedule(() => {
      if (epoch !== this.epoch) return;
      p.done = true;
      this.completeInOrder();
    });
  }

  /** Loses every write no completed sync covered; pending sync callbacks never fire. */
  crash(): void {
    this.epoch++;
    this.undurable = [];
    this.pending = [];
    this.visible = this.durable.clone();
  }

  close(): void {
    this.epoch++;
    this.pending = [];
  }

  private write(w: Write): void {
    this.visible.apply(w); // throws on an invalid write before it is recorded
    this.undurable.push(w);
  }

  private completeInOrder(): void {
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const p = this.pending.shift()!;
      this.makeDurable(p.upTo);
      p.cb(null);
    }
  }

  private makeDurable(upTo: number): void {
    const n = upTo - this.durableCount;
    if (n <= 0) return;
    for (const w of this.undurable.splice(0, n)) this.durable.apply(w);
    this.durableCount = upTo;
  }
}
