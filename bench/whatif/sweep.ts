// The sweep behind `raftlab whatif`: every cluster size × combination × load level as a simulated
// cell, with a progress line before each and a result line after it, then results.json, the report
// and the runs index, written as a bench run's are and marked as simulated.

import path from "node:path";
import { performance } from "node:perf_hooks";
import { formatFlags } from "../../src/core/flags.ts";
import { gitCommit, machineInfo } from "../machine.ts";
import { progressLine, resultLine } from "../progress.ts";
import { writeRunReport, writeRunsIndex } from "../report/write.ts";
import type { Cell, CellConfig, Results } from "../results.ts";
import { runId } from "../sweep.ts";
import { versions } from "../versions.ts";
import { runWhatifCell, whatifCellConfig } from "./cell.ts";
import { type WhatifOptions, whatifRecord } from "./options.ts";

export interface WhatifOutcome {
  /** The run's folder: `<out>/<run-id>`. */
  readonly dir: string;
  readonly results: Results;
}

export function planWhatif(o: WhatifOptions): CellConfig[] {
  return o.sizes.flatMap((size) =>
    o.connections.flatMap((connections) =>
      o.flags.map((flags) => whatifCellConfig(o, formatFlags(flags), size, connections)),
    ),
  );
}

export async function runWhatif(o: WhatifOptions, log: (line: string) => void): Promise<WhatifOutcome> {
  const plan = planWhatif(o);
  const id = runId(o.out, "whatif");
  const dir = path.join(o.out, id);
  const startedAt = new Date().toISOString();
  const cells: Cell[] = [];
  const t0 = performance.now();
  for (const [i, config] of plan.entries()) {
    const elapsed = performance.now() - t0;
    log(progressLine(i, plan.length, config, elapsed, i === 0 ? null : (elapsed / i) * (plan.length - i), true));
    const cell = runWhatifCell(config, o);
    cells.push(cell);
    log(resultLine(cell));
  }
  const results: Results = {
    run: {
      id,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: machineInfo(),
      versions: versions(),
      commit: gitCommit(),
      options: whatifRecord(o),
      simulated: true,
      model: o.model,
    },
    cells,
  };
  await writeRunReport(dir, results);
  await writeRunsIndex(o.out);
  return { dir, results };
}
