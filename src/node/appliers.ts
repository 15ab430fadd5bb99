// Where committed entries are applied, and where the modelled apply cost (`--apply-cost-us`) is paid:
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

/** Busy-waits `us` microseconds: stands for real apply work on whichever thread runs it. */
function burnMicros(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

/** Counts the entries that carry a command (a new leader's no-op costs nothing). */
function commandCount(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) if (e.data.length > 0) n++;
  return n;
}

export function inlineApplier<R>(sm: StateMachine<R>, costUs = 0): Applier<R> {
  return {
    apply(entries, done) {
      if (costUs > 0) burnMicros(costUs * commandCount(entries));
      done(entries.map((e) => sm.apply(e)));
    },
  };
}

export function loopApplier<R>(sm: StateMachine<R>): Applier<R> {
  return { apply: (entries, done) => setImmediate(() => done(entries.map((e) => sm.apply(e)))) };
}

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (us) => {
  const end = performance.now() + us / 1000;
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
