// The CPU that performance mode's event loops pay their tasks' costs on. Either each loop has a
// core of its own (DedicatedCpu: a task of cost c takes c), or a machine's cores are shared by
// every process on it (SharedCpu): processor sharing, as the kernel's fair scheduler approximates
// it, where n busy processes on k cores each run at min(1, k ÷ n) of a core, so a cost of c takes
// c × max(1, n ÷ k) while n stays the same. That is the machine a bench cell on one host runs on:
// its nodes and its load generator take turns on the same cores.

import type { Nanos, Scheduler } from "./scheduler.ts";

export interface Cpu {
  /** Runs `ns` of CPU work for one busy process and calls `done` when it is finished. */
  run(ns: Nanos, done: () => void): void;
  /** How much longer than its cost a task starting now would take, if nothing else changed (≥ 1). */
  slowdown(): number;
}

export class DedicatedCpu implements Cpu {
  constructor(private readonly sched: Scheduler) {}

  run(ns: Nanos, done: () => void): void {
    this.sched.after(ns, done);
  }

  slowdown(): number {
    return 1;
  }
}

interface Job {
  /** CPU work still to do, ns of one core. */
  remaining: number;
  readonly done: () => void;
}

export class SharedCpu implements Cpu {
  private readonly jobs: Job[] = [];
  /** When `remaining` was last brought up to date. */
  private updatedAt: Nanos;
  /** Bumped at every rescheduling, so the completion events planned before it are ignored. */
  private plan = 0;

  constructor(
    private readonly sched: Scheduler,
    readonly cores: number,
  ) {
    if (!(cores > 0)) throw new Error(`a shared CPU needs a positive core count, not ${cores}`);
    this.updatedAt = sched.now;
  }

  run(ns: Nanos, done: () => void): void {
    this.advance();
    this.jobs.push({ remaining: ns, done });
    this.reschedule();
  }

  slowdown(): number {
    return Math.max(1, (this.jobs.length + 1) / this.cores);
  }

  /** The share of a core each busy process gets now. */
  private rate(): number {
    return Math.min(1, this.cores / this.jobs.length);
  }

  /** Charges every job the work it did since the last update. */
  private advance(): void {
    const elapsed = this.sched.now - this.updatedAt;
    this.updatedAt = this.sched.now;
    if (elapsed === 0 || this.jobs.length === 0) return;
    const work = elapsed * this.rate();
    for (const j of this.jobs) j.remaining -= work;
  }

  /** Plans the next completion: the job with the least work left, at the current rate. */
  private reschedule(): void {
    const plan = ++this.plan;
    if (this.jobs.length === 0) return;
    let least = Number.POSITIVE_INFINITY;
    for (const j of this.jobs) least = Math.min(least, j.remaining);
    this.sched.after(Math.ceil(Math.max(0, least) / this.rate()), () => {
      if (plan !== this.plan) return;
      this.advance();
      // Whole ns of virtual time: a job within half a ns of its end is done.
      const finished = this.jobs.filter((j) => j.remaining <= 0.5);
      for (const j of finished) this.jobs.splice(this.jobs.indexOf(j), 1);
      this.reschedule();
      for (const j of finished) j.done();
    });
  }
}
