// Emulated disk latency (`fsyncDelayUs`) without blocking the main thread and without the 1 ms
// granularity of timers: a worker thread sleeps with Atomics.wait until a deadline on the
// process-wide monotonic clock, then answers. The deadline is taken when the delay is asked for,
// so the message's trip to the worker is part of the delay. Timed waits wake late (typically
// 50-150 µs on a loaded Linux box, with outliers of a millisecond), so the worker tracks the
// median oversleep (a step up when it overslept more, a step down when less: robust to the
// outliers) and wakes that much early, never by more than half the delay.

import { Worker } from "node:worker_threads";

const SLEEPER = `
const { parentPort } = require("node:worker_threads");
const cell = new Int32Array(new SharedArrayBuffer(4));
const STEP_NS = 5000;
let oversleepNs = 0;
parentPort.on("message", ({ deadlineNs, us }) => {
  const early = Math.min(oversleepNs, us * 500);
  const wakeAt = deadlineNs - BigInt(Math.round(early));
  const waitMs = Number(wakeAt - process.hrtime.bigint()) / 1e6;
  if (waitMs > 0) {
    Atomics.wait(cell, 0, 0, waitMs);
    const over = Number(process.hrtime.bigint() - wakeAt);
    oversleepNs = Math.max(0, oversleepNs + (over > oversleepNs ? STEP_NS : -STEP_NS));
  }
  parentPort.postMessage(0);
});
`;

export class MicroDelay {
  private worker: Worker | null = null;
  private readonly waiting: Array<() => void> = [];

  /** Calls `cb` on the main thread about `us` microseconds from now. */
  wait(us: number, cb: () => void): void {
    this.worker ??= this.spawn();
    const w = this.worker;
    if (this.waiting.length === 0) w.ref(); // keep the process alive while a delay is pending
    this.waiting.push(cb);
    w.postMessage({ deadlineNs: process.hrtime.bigint() + BigInt(Math.round(us * 1000)), us });
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  private spawn(): Worker {
    const w = new Worker(SLEEPER, { eval: true });
    w.on("message", () => {
      const cb = this.waiting.shift()!;
      if (this.waiting.length === 0) w.unref();
      cb();
    });
    w.unref();
    return w;
  }
}
