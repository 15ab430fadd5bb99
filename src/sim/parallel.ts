// Runs many simulations on worker threads (the long soaks): each worker takes one run at a time, so
// the load stays balanced however long each run is, and reports a summary without the history.
// Every run is still a pure function of its options, so a failure replays the same in one process.

import { Worker } from "node:worker_threads";
import { parseFlags } from "../core/flags.ts";
import { runSeed, type SimResult } from "./run.ts";

export interface RunSpec {
  readonly seed: number;
  /** Canonical spelling of the flag combination. */
  readonly flags: string;
  readonly nodes: number;
  readonly ops: number;
  readonly faults: boolean;
}

/** What a run reports back: its result without the history and the checker's details. */
export type RunSummary = Omit<SimResult, "history" | "checker">;

export function runSpec(spec: RunSpec): RunSummary {
  const { history: _history, checker: _checker, ...summary } = runSeed({ ...spec, flags: parseFlags(spec.flags) });
  return summary;
}

/**
 * Runs `specs` on `jobs` worker threads, calling `onResult` as each finishes (in completion order).
 * Workers load the TypeScript sources through tsx, as the `raftlab` command itself does.
 */
export async function runParallel(
  specs: readonly RunSpec[],
  jobs: number,
  onResult: (r: RunSummary) => void,
): Promise<void> {
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./worker.ts", import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  let next = 0;
  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(boot, { eval: true });
      const feed = (): void => {
        if (next >= specs.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        w.postMessage(specs[next++]);
      };
      w.on("message", (r: RunSummary) => {
        onResult(r);
        feed();
      });
      w.on("error", reject);
      w.on("online", feed);
    });
  await Promise.all(Array.from({ length: Math.min(jobs, specs.length) }, worker));
}
