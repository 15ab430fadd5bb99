// The sweep's handle on the load generator process (bench/load/worker.ts): one forked process reused
// across cells, restarted if it dies or is killed.

import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FromWorker, LoadResult, LoadSpec, ToWorker } from "./spec.ts";

// Run from the sources the worker is a .ts file loaded through tsx; compiled (a `raftlab loadgen`
// from a node build), it is the .js beside this one.
const COMPILED = import.meta.url.endsWith(".js");
const WORKER = fileURLToPath(new URL(COMPILED ? "./worker.js" : "./worker.ts", import.meta.url));

/** Hooks may be async (e.g. an HTTP call to every node); the result waits for them. */
export interface AsyncWindowHooks {
  /** `atEpochMs`: when the load generator opened the window, in ms since the Unix epoch. */
  onMeasureStart(atEpochMs: number): Promise<void> | void;
  onMeasureEnd(): Promise<void> | void;
}

/** What runs a cell's load: the local generator process, or load workers elsewhere (distributed-load.ts). */
export interface LoadRunner {
  /** The generator's process here, when there is one (for its CPU and run-queue figures). */
  readonly pid: number | undefined;
  run(spec: LoadSpec, hooks: AsyncWindowHooks, graceMs?: number): Promise<LoadResult>;
  /** Stops at once (Ctrl-C, a stuck cell). */
  kill(): void;
  close(): Promise<void>;
}

export class Loadgen implements LoadRunner {
  private child: ChildProcess | null = null;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs one load; rejects if the worker fails, dies, or takes `timeoutMs` longer than the load should. */
  run(spec: LoadSpec, hooks: AsyncWindowHooks, graceMs = 20_000): Promise<LoadResult> {
    const child = this.ensure();
    return new Promise<LoadResult>((resolve, reject) => {
      const pending: Promise<void>[] = [];
      const call = (hook: () => Promise<void> | void): void => {
        pending.push(Promise.resolve().then(hook));
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `the load generator did not finish within ${spec.warmupS + spec.durationS}s + ${graceMs / 1000}s`,
            ),
          ),
        (spec.warmupS + spec.durationS) * 1000 + graceMs,
      );
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === "measure-start") call(() => hooks.onMeasureStart(msg.atEpochMs));
        else if (msg.type === "measure-end") call(() => hooks.onMeasureEnd());
        else if (msg.type === "result") finish(null, msg.result);
        else finish(new Error(`load generator: ${msg.message}`));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        finish(new Error(`the load generator exited (${signal ?? `code ${code}`})`));
      const finish = (err: Error | null, result?: LoadResult): void => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (err) {
          this.kill();
          return reject(err);
        }
        Promise.all(pending).then(() => resolve(result!), reject);
      };
      child.on("message", onMessage);
      child.on("exit", onExit);
      child.send({ type: "run", spec } satisfies ToWorker);
    });
  }

  /** Ends the worker process at once (Ctrl-C, a stuck cell, the end of the sweep). */
  kill(): void {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  /** Ends the worker and resolves once it is gone. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((r) => child.once("exit", () => r()));
    this.kill();
    await gone;
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    const child = fork(WORKER, [], {
      execArgv: COMPILED ? [] : ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("exit", () => {
      if (this.child === child) this.child = null;
    });
    this.child = child;
    return child;
  }
}
