// Where committed entries are applied, and where the modelled apply cost (`--apply-cost-us`) is paid.
// The cost holds the applying thread (see holdMicros) for that long per command:
//   inline — on the caller's stack, before anything else runs (the `async-apply`-off policy);
//   loop   — on the main thread in a later turn, so replication work interleaves (async, no cost);
//   worker — the cost is paid on a worker thread while the main thread keeps replicating; the
//            (cheap) state update then happens on the main thread, in log order.

import { Worker } from "node:worker_threads";
import type { Entry } from "../core/types.ts";
import type { StateMachine } from "./state-machine.ts";

export interface Applier<R = unknown> {
  /** Applies `entries` in order to the state machine and calls `done` with one result per entry. */
  apply(entries: readonly Entry[], done: (results: readonly R[]) => void): void;
  /** Releases threads; the applier is unusable afterwards. */
  close?(): void;
}

/** Holds below this are spun: a timed wait overshoots by about the kernel's timer slack (~0.1 ms). */
export const SPIN_BELOW_US = 200;
const parked = new Int32Array(new SharedArrayBuffer(4));

/**
 * Holds the calling thread `us` microseconds, as a synchronous storage write would (an embedded
 * B-tree commit, a page read that misses the cache): the thread can do nothing else meanwhile, but
 * the time is mostly spent waiting, not computing, so it does not take CPU from the other processes
 * of a loaded machine. It sleeps all but the last SPIN_BELOW_US and spins to the deadline, so the
 * hold is exact and a hold costs at most that much CPU.
 */
function holdMicros(us: number): void {
  const end = performance.now() + us / 1000;
  if (us > SPIN_BELOW_US) Atomics.wait(parked, 0, 0, (us - SPIN_BELOW_US) / 1000);
  while (performance.now() < end);
}

/** Counts the entries that carry a command (a new leader's no-op and a configuration cost nothing). */
function commandCount(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) if (e.data.length > 0 && e.type === undefined) n++;
  return n;
}

export function inlineApplier<R>(sm: StateMachine<R>, costUs = 0): Applier<R> {
  return {
    apply(entries, done) {
      if (costUs > 0) holdMicros(costUs * commandCount(entries));
      done(entries.map((e) => sm.apply(e)));
    },
  };
}

export function loopApplier<R>(sm: StateMachine<R>): Applier<R> {
  return { apply: (entries, done) => setImmediate(() => done(entries.map((e) => sm.apply(e)))) };
}

// The worker holds its thread as holdMicros does (a worker cannot import this module's function).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const parked = new Int32Array(new SharedArrayBuffer(4));
parentPort.on("message", (us) => {
  const end = performance.now() + us / 1000;
  if (us > ${SPIN_BELOW_US}) Atomics.wait(parked, 0, 0, (us - ${SPIN_BELOW_US}) / 1000);
  while (performance.now() < end);
  parentPort.postMessage(us);
});`;

export function workerApplier<R>(sm: StateMachine<R>, costUs: number): Applier<R> {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  worker.unref();
  const pending: (() => void)[] = [];
  worker.on("message", () => pending.shift()?.());
  return {
    apply(entries, done) {
      pending.push(() => done(entries.map((e) => sm.apply(e))));
      worker.postMessage(costUs * commandCount(entries));
    },
    close() {
      void worker.terminate();
    },
  };
}
