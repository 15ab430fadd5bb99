// A node's one event loop in performance mode, modelled as a single server: every callback into the
// node (a message, a tick, an fsync or apply completion, a client request) is a task that waits for
// the loop, runs, and keeps the loop busy for the CPU cost it was charged while it ran. Work queues
// behind a busy loop, which is how CPU saturation shows. The CPU a task is charged runs on the loop's
// Cpu (shared-cpu.ts): a core of its own, or cores shared with the machine's other processes, where
// it takes longer while they are busy too. A hold (a synchronous wait, like `--apply-cost-us`) keeps
// the loop busy without taking CPU from anyone. A loop that was idle starts `wake.latencyNs` after its
// first task arrives (the scheduler's wake-up of a sleeping process: what arrives meanwhile runs in
// the same turn) and pays `wake.cpuNs` of CPU before it (the wake-up, the poll, the turn's own
// bookkeeping): costs a busy loop's tasks share and a lone request pays at every hop.
//
// What a task hands out leaves when the task has got that far: an fsync, an apply handed to the
// apply thread or a client's answer at the task's start plus what it had been charged by then (as
// the real node issues its fdatasync and writes its answers mid-turn), peer messages when the whole
// task is paid for (as the real transport flushes its queues once per loop turn).

import type { Nanos, Scheduler } from "./scheduler.ts";
import { type Cpu, DedicatedCpu } from "./shared-cpu.ts";

/** What an idle loop pays to wake for a task: time before it runs, and CPU once it does. */
export interface WakeCost {
  readonly latencyNs: Nanos;
  readonly cpuNs: Nanos;
}

const NO_WAKE_COST: WakeCost = { latencyNs: 0, cpuNs: 0 };

export class EventLoop {
  private readonly queue: (() => void)[] = [];
  /** A task is running, or the loop is paying for the last one. */
  private busy = false;
  private inTask = false;
  private costNs = 0;
  private holdNs = 0;
  private atEnd: (() => void)[] = [];
  /** What the loop's tasks were charged, CPU and holds, over its whole life (a shared CPU's waits excluded). */
  busyNs: Nanos = 0;
  /** Times the loop woke from idle, over its whole life. */
  wakes = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly cpu: Cpu = new DedicatedCpu(sched),
    private readonly wake: WakeCost = NO_WAKE_COST,
  ) {}

  /** Runs `task` when the loop is free (after its wake-up if it slept), after every task submitted before it. */
  submit(task: () => void): void {
    this.queue.push(task);
    if (this.busy) return;
    this.wakes++;
    this.busy = true;
    if (this.wake.latencyNs > 0) this.sched.after(this.wake.latencyNs, () => this.drain(this.wake.cpuNs));
    else this.drain(this.wake.cpuNs);
  }

  /** Charges the running task `ns` more CPU (nothing outside a task: that work is off the loop). */
  charge(ns: Nanos): void {
    if (this.inTask) this.costNs += ns;
  }

  /** Keeps the loop `ns` longer for the running task, waiting rather than computing. */
  hold(ns: Nanos): void {
    if (this.inTask) this.holdNs += ns;
  }

  /**
   * Runs `fn` once the running task has paid what it was charged so far (at once outside a task),
   * its CPU at the pace the loop's Cpu would give a task starting now.
   */
  issue(fn: () => void): void {
    const at = this.inTask ? Math.round(this.costNs * this.cpu.slowdown() + this.holdNs) : 0;
    if (at === 0) fn();
    else this.sched.after(at, fn);
  }

  /** Runs `fn` once the running task is paid for in full (at once outside a task). */
  afterTask(fn: () => void): void {
    if (this.inTask) this.atEnd.push(fn);
    else fn();
  }

  /** Runs the queued tasks; the first pays `wakeNs` first. */
  private drain(wakeNs: Nanos = 0): void {
    this.busy = true;
    let wake = wakeNs;
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
      this.inTask = true;
      this.costNs = wake;
      wake = 0;
      this.holdNs = 0;
      try {
        task();
      } finally {
        this.inTask = false;
      }
      const cost = Math.round(this.costNs);
      const hold = Math.round(this.holdNs);
      const atEnd = this.atEnd;
      this.atEnd = [];
      if (cost > 0 || hold > 0) {
        this.busyNs += cost + hold;
        const finish = (): void => {
          for (const fn of atEnd) fn();
          this.drain();
        };
        const afterCpu = hold > 0 ? () => this.sched.after(hold, finish) : finish;
        if (cost > 0) this.cpu.run(cost, afterCpu);
        else afterCpu();
        return;
      }
      for (const fn of atEnd) fn();
    }
    this.busy = false;
  }
}
