// A node's simulated disk: each fsync takes base + jitter of virtual time, and fsyncs complete in
// the order they were issued (one device queue), so a sync never finishes before an earlier one.
// On a crash, how much of each file's unsynced writes persisted is drawn from the seed: anything
// from none to all, independently per file, as a real disk's writeback leaves it.

import type { Nanos, Scheduler } from "./scheduler.ts";

export interface DiskShape {
  readonly fsyncBaseNs: Nanos;
  readonly fsyncJitterNs: Nanos;
}

export class SimDisk {
  private busyUntil: Nanos = 0;
  /** fsyncs issued so far. */
  syncs = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly shape: DiskShape,
    /** Wraps each completion, so the owning node can defer or discard it (pause, crash). */
    private readonly gate: (fn: () => void) => () => void = (fn) => fn,
  ) {}

  /** Runs `fn` when an fsync issued now completes: the `schedule` a MemoryStore syncs through. */
  readonly schedule = (fn: () => void): void => {
    this.syncs++;
    const latency = this.shape.fsyncBaseNs + Math.floor(this.sched.rng.next() * this.shape.fsyncJitterNs);
    this.busyUntil = Math.max(this.sched.now, this.busyUntil) + latency;
    this.sched.at(this.busyUntil, this.gate(fn));
  };

  /** How many of `unsynced` writes to a file survive a crash: the `survivors` of a MemoryStore. */
  readonly survivors = (_file: string, unsynced: number): number =>
    unsynced === 0 ? 0 : this.sched.rng.int(0, unsynced + 1);
}
