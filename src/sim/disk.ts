// A node's simulated disk: each fsync takes base + jitter of virtual time, and fsyncs complete in
// the order they were issued (one device queue), so a sync never finishes before an earlier one.

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
}
