// A RaftStore held in memory for the deterministic simulator. Durability is virtual: `sync`
// completes when the injected disk says so. Writes are laid out as the file store lays them out
// (hard-state-writes.ts): a log (entries, commit records, snapshots) and a hard-state file (term,
// vote and a commit index), and `crash()` is a power failure: what completed syncs covered
// survives and, of the writes issued since, each file keeps a prefix of its own that the disk
// chooses. A real disk persists files independently, so the hard-state file may keep a write the
// log loses. (Within the log, a prefix: the file store's recovery cuts a torn tail.)

import type { Entry, HardState, Snapshot } from "../core/types.ts";
import { hardStateWrites } from "./hard-state-writes.ts";
import { LogMirror } from "./log-mirror.ts";
import type { RaftStore } from "./store.ts";

type Write =
  | { readonly kind: "append"; readonly entries: readonly Entry[] }
  | { readonly kind: "commit"; readonly commit: number }
  | { readonly kind: "install"; readonly snap: Snapshot }
  | { readonly kind: "compact"; readonly snap: Snapshot }
  | { readonly kind: "hardStateFile"; readonly hs: HardState };

/** The two files a file store keeps its writes in (snapshots count with the log here). */
export type StoreFile = "log" | "hardState";

const fileOf = (w: Write): StoreFile => (w.kind === "hardStateFile" ? "hardState" : "log");

/** What a sequence of writes leaves on the disk. */
class DiskState {
  constructor(
    readonly log: LogMirror,
    /** The highest commit record in the log. */
    public logCommit: number,
    public hardStateFile: HardState,
  ) {}

  clone(): DiskState {
    return new DiskState(this.log.clone(), this.logCommit, this.hardStateFile);
  }

  apply(w: Write): void {
    switch (w.kind) {
      case "append":
        this.log.append(w.entries);
        break;
      case "commit":
        this.logCommit = Math.max(this.logCommit, w.commit);
        break;
      case "install":
        this.log.install(w.snap);
        break;
      case "compact":
        this.log.compact(w.snap);
        break;
      case "hardStateFile":
        this.hardStateFile = w.hs;
        break;
    }
  }

  /** The hard state a restart reads back, as the file store's recovery computes it. */
  recoveredHardState(): HardState {
    const { term, vote } = this.hardStateFile;
    const commit = Math.max(this.hardStateFile.commit, this.logCommit, this.log.snapshot().meta.index);
    return { term, vote, commit: Math.min(commit, this.log.lastIndex()) };
  }
}

interface PendingSync {
  /** Number of writes (since the store began) this sync makes durable. */
  readonly upTo: number;
  readonly cb: (err: Error | null) => void;
  done: boolean;
}

/** Of `unsynced` writes to `file`, how many (a prefix) a power failure leaves on the disk. */
export type Survivors = (file: StoreFile, unsynced: number) => number;

export class MemoryStore implements RaftStore {
  private readonly schedule: (cb: () => void) => void;
  private readonly survivors: Survivors;
  /** Every write, synced or not: what reads see. */
  private visible: DiskState;
  private hardState: HardState;
  private durable: DiskState;
  /** Writes not yet durable, oldest first; `durableCount` writes came before them. */
  private undurable: Write[] = [];
  private durableCount = 0;
  private pending: PendingSync[] = [];
  /** Bumped by crash/close so callbacks scheduled before it are ignored. */
  private epoch = 0;

  /**
   * @param schedule runs its callback once a sync's virtual fsync is over (the simulator's disk);
   *   callbacks may run in any order: sync callbacks still fire in call order.
   * @param survivors how much of each file's unsynced writes a crash keeps (default: none).
   */
  constructor(schedule: (cb: () => void) => void, survivors: Survivors = () => 0) {
    this.schedule = schedule;
    this.survivors = survivors;
    this.hardState = { term: 0, vote: 0, commit: 0 };
    this.durable = new DiskState(new LogMirror(), 0, this.hardState);
    this.visible = this.durable.clone();
  }

  initialState(): { hardState: HardState } {
    return { hardState: this.hardState };
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
    const { file, commitRecord } = hardStateWrites(this.hardState, hs, this.durable.logCommit);
    if (file) this.write({ kind: "hardStateFile", hs: file });
    if (commitRecord !== null) this.write({ kind: "commit", commit: commitRecord });
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }
  applySnapshot(snap: Snapshot): void {
    this.write({ kind: "install", snap });
  }
  compact(snap: Snapshot): void {
    this.write({ kind: "compact", snap });
  }

  /**
   * Whether entry (index, term) would survive a crash now: a completed sync covered it, or a
   * durable snapshot covers its index. For the simulator's commit checks.
   */
  durablyHolds(index: number, term: number): boolean {
    const log = this.durable.log;
    return index <= log.snapshot().meta.index || log.matches(index, term);
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

  /**
   * A power failure: each file keeps what completed syncs covered plus a prefix (chosen by
   * `survivors`) of its later writes; pending sync callbacks never fire.
   */
  crash(): void {
    this.epoch++;
    const left: Record<StoreFile, number> = { log: 0, hardState: 0 };
    for (const w of this.undurable) left[fileOf(w)]++;
    left.log = this.survivors("log", left.log);
    left.hardState = this.survivors("hardState", left.hardState);
    for (const w of this.undurable) {
      const file = fileOf(w);
      if (left[file] === 0) continue;
      left[file]--;
      this.durable.apply(w);
    }
    this.durableCount += this.undurable.length;
    this.undurable = [];
    this.pending = [];
    this.visible = this.durable.clone();
    this.hardState = this.durable.recoveredHardState();
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
