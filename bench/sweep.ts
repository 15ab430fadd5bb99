// The sweep runner behind `raftlab bench`: runs every planned cell in turn, prints progress, writes
// results.json after every cell (nothing measured is lost if the run dies), then the report and the
// runs index. An abort (Ctrl-C) stops the current cluster and the load generator and keeps what was
// measured.

import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Calibration } from "./calibrate/calibration.ts";
import { calibrate } from "./calibrate/run.ts";
import { runCell } from "./cell.ts";
import { checkCombinations } from "./correctness.ts";
import { DistributedLoad } from "./load/distributed-load.ts";
import { Loadgen, type LoadRunner } from "./load/loadgen.ts";
import { gitCommit, machineInfo } from "./machine.ts";
import { type MicroResult, measureMicro, microFiles } from "./micro/run.ts";
import { useCompiledNodes } from "./node-build.ts";
import { planCells } from "./plan.ts";
import { progressLine, resultLine } from "./progress.ts";
import { writeAtomically, writeRunReport, writeRunsIndex } from "./report/write.ts";
import type { Cell, Results, Run } from "./results.ts";
import { optionsRecord, type SweepOptions } from "./sweep-options.ts";
import { ETCD_MISSING, etcdVersion } from "./systems/etcd.ts";
import type { SystemUnderTest } from "./systems/system.ts";
import { versions } from "./versions.ts";

export interface SweepOutcome {
  /** The run's folder: `<out>/<run-id>`. */
  readonly dir: string;
  readonly results: Results;
  /** True when the sweep was aborted before its last cell. */
  readonly interrupted: boolean;
}

export interface SweepIo {
  /** One line of progress or result. */
  log(line: string): void;
  /** Aborting stops the current cell at once; the sweep then writes what it has and returns. */
  readonly signal?: AbortSignal;
}

/** `2026-11-25T16-40-00-quick`: sortable, safe in a path, unique under `root`. */
export function runId(root: string, preset: string, now = new Date()): string {
  const base = `${now.toISOString().slice(0, 19).replace(/:/g, "-")}-${preset}`;
  let id = base;
  for (let n = 2; existsSync(path.join(root, id)); n++) id = `${base}-${n}`;
  return id;
}

export async function runSweep(o: SweepOptions, io: SweepIo): Promise<SweepOutcome> {
  const etcd = o.peer === "etcd" ? etcdVersion() : null;
  if (o.peer === "etcd" && etcd === null) throw new Error(ETCD_MISSING);
  const plan = planCells(o);
  const id = runId(o.out, o.preset);
  const dir = path.join(o.out, id);
  await mkdir(dir, { recursive: true });
  const machine = machineInfo();
  // A targeted cluster runs its own nodes: nothing to build.
  const build = o.target ? null : useCompiledNodes("bench", io.log);
  const run: Run = {
    id,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    machine,
    versions: versions({ ...(build ? { "raftlab nodes": build.runtime } : {}), ...(etcd ? { etcd } : {}) }),
    commit: gitCommit(),
    options: optionsRecord(o),
  };
  const cells: Cell[] = [];
  const correctness: Record<string, string> = {};
  const micro: MicroResult[] = [];
  let calibration: Calibration | null = o.calibrate && "file" in o.calibrate ? o.calibrate.calibration : null;
  const results = (finishedAt: string | null): Results => ({
    run: { ...run, finishedAt },
    ...(calibration ? { calibration } : {}),
    cells: [...cells],
    ...(Object.keys(correctness).length > 0 ? { correctness: { ...correctness } } : {}),
    ...(micro.length > 0 ? { micro: [...micro] } : {}),
  });
  const save = (r: Results): Promise<void> =>
    writeAtomically(path.join(dir, "results.json"), `${JSON.stringify(r, null, 2)}\n`);

  const loadgen: LoadRunner = o.loadWorkers
    ? new DistributedLoad(o.loadWorkers.urls, o.loadWorkers.secret)
    : new Loadgen();
  let current: SystemUnderTest | null = null;
  const abort = (): void => {
    loadgen.kill();
    void current?.stop();
  };
  io.signal?.addEventListener("abort", abort);
  const t0 = performance.now();
  try {
    // Inside the try, so that whatever fails from here on still removes the node build.
    await save(results(null));
    if (o.calibrate && "kind" in o.calibrate && !io.signal?.aborted) {
      // Before the cells, on the same machine state, with the same value size. Without it the
      // report only lacks the bounds: the cells still run.
      try {
        calibration = await calibrate({
          kind: o.calibrate.kind,
          valueSize: o.valueSize,
          log: io.log,
          loadgen,
          nodeArgs: ["--state-machine", o.stateMachine, ...o.nodeArgs],
          onSystem: (s) => (current = s),
        });
        await save(results(null));
      } catch (err) {
        if (!io.signal?.aborted) io.log(`calibration failed (${(err as Error).message}): the report has no bounds`);
      }
      current = null;
    }
    for (const [i, config] of plan.entries()) {
      if (io.signal?.aborted) break;
      const elapsed = performance.now() - t0;
      io.log(progressLine(i, plan.length, config, elapsed, i === 0 ? null : (elapsed / i) * (plan.length - i)));
      const cell = await runCell(config, {
        loadgen,
        leaderTimeoutMs: o.leaderTimeoutMs,
        maxOutstanding: o.maxOutstanding,
        // Before the user's options after "--", which come later and win.
        nodeArgs: ["--state-machine", o.stateMachine, ...o.nodeArgs],
        verbose: o.verbose,
        target: o.target,
        onSystem: (s) => (current = s),
      });
      current = null;
      // A cell cut short by the abort measured nothing worth keeping.
      if (io.signal?.aborted) break;
      cells.push(cell);
      io.log(resultLine(cell));
      await save(results(null));
    }
    if (o.checkS > 0 && !io.signal?.aborted) {
      await checkCombinations(o.flags, o.checkS, path.join(dir, "checks"), io, (combo, verdict) => {
        correctness[combo] = verdict;
        return save(results(null));
      });
    }
    if (o.microMs > 0 && !io.signal?.aborted) {
      io.log(`micro-benchmarks: ${o.microMs} ms per task`);
      micro.push(...(await measureMicro(microFiles(), o.microMs)));
      await save(results(null));
    }
  } finally {
    io.signal?.removeEventListener("abort", abort);
    await (current as SystemUnderTest | null)?.stop();
    await loadgen.close();
    build?.release();
  }
  const final = results(new Date().toISOString());
  await writeRunReport(dir, final);
  await writeRunsIndex(o.out);
  return { dir, results: final, interrupted: io.signal?.aborted ?? false };
}
