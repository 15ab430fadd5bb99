// One simulated cell: the simulator's performance mode (src/sim/perf-run.ts) run for one cluster
// size, combination and load level, and its outcomes recorded as a measured cell's are (the same
// window tally, HDR latencies, series, mechanism figures and stage breakdown), so the report reads it
// like any other. Nothing ran on a machine, so the cell has no CPU, event-loop or steal figures;
// `loopBusy` holds the modelled loops' busy fractions instead.

import { parseFlags } from "../../src/core/flags.ts";
import { runPerf } from "../../src/sim/perf-run.ts";
import { MS } from "../../src/sim/scheduler.ts";
import { errorFailure, failedCell } from "../cell.ts";
import { Tally } from "../load/tally.ts";
import { cellMechanism, nodeMechanism } from "../mechanism.ts";
import { writeCell } from "../plan.ts";
import type { Cell, CellConfig } from "../results.ts";
import { stagesMs } from "../systems/node-stats.ts";
import type { WhatifOptions } from "./options.ts";

/** The cell's configuration; its environment fields describe the model (see docs/DESIGN.md "What-if"). */
export function whatifCellConfig(o: WhatifOptions, flags: string, size: number, connections: number): CellConfig {
  const { durationS, warmupS, valueSize } = o;
  return writeCell(
    { flags, size, connections, durationS, warmupS, valueSize, keys: 0 },
    {
      netDelayMs: o.model.rttMs / 2,
      fsyncDelayUs: Math.round(o.model.fsyncMs.p50 * 1000),
      applyCostUs: o.model.applyHoldUs,
    },
  );
}

export function runWhatifCell(c: CellConfig, o: WhatifOptions): Cell {
  const startedAt = new Date().toISOString();
  let virtualMs = 0;
  const tally = new Tally(undefined, false, false, () => virtualMs);
  const at = (ns: number): void => {
    virtualMs = ns / MS;
  };
  try {
    const run = runPerf(
      {
        seed: o.seed,
        flags: parseFlags(c.flags),
        nodes: c.size,
        connections: c.connections!,
        valueBytes: c.valueSize,
        model: o.model,
        warmupNs: Math.round(c.warmupS * 1000 * MS),
        durationNs: Math.round(c.durationS * 1000 * MS),
      },
      {
        begin: (ns) => {
          at(ns);
          tally.begin();
        },
        end: (ns) => {
          at(ns);
          tally.end();
        },
        success: (ns, latencyNs) => {
          at(ns);
          tally.success(latencyNs / MS);
        },
        failure: (ns, kind) => {
          at(ns);
          tally.failure(kind);
        },
      },
    );
    const load = tally.result();
    const failure = errorFailure(load);
    const nodeName = (id: number): string => `node-${id}`;
    return {
      ...c,
      status: failure ? "failed" : "ok",
      ...(failure ? { error: failure } : {}),
      throughput: Math.round(load.throughput * 10) / 10,
      latencyMs: load.latency.latencyMs,
      percentiles: load.latency.percentiles,
      errors: load.errors,
      requests: load.requests,
      stagesMs: stagesMs(run.stagesUs),
      cpu: [],
      elu: {},
      series: load.series,
      mechanism: cellMechanism(
        run.nodes.map((n) => nodeMechanism(nodeName(n.id), n.role, c.durationS, n.countersBefore, n.countersAfter)),
      ),
      loopBusy: Object.fromEntries(run.nodes.map((n) => [nodeName(n.id), Math.round(n.loopBusy * 1000) / 1000])),
      startedAt,
    };
  } catch (err) {
    return failedCell(c, (err as Error).message, startedAt);
  }
}
