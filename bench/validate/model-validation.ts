// How well the simulator's performance mode predicts a real run: every measured closed-loop cell of a
// bench run is simulated in the same configuration (cluster size, combination, connections, and the
// run's emulated network delay, fsync delay and apply cost added to the model's), and the prediction
// set beside the measurement. Two questions are answered per cell and overall:
//   - error: predicted throughput and p50 against the measured means (over repetitions), as a
//     fraction of the measurement, for the cells that neither saturated the CPU with their own
//     processes nor shared it with others (other work on this machine, or the host's steal): the
//     model shares cores between the cell's own processes, but has no neighbours. A run without the
//     machine's busy CPU (older) falls back to the cell's processes' run-queue wait;
//   - ranking: within each group of cells that differ only in their combination, for every pair of
//     combinations whose measured throughputs differ by more than both cells' spreads (max − min over
//     repetitions), whether the simulator orders them the same way.

import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseFlags } from "../../src/core/flags.ts";
import type { PerfModel } from "../../src/sim/perf-model.ts";
import type { Cell, CellConfig, Results } from "../results.ts";
import { runWhatifCell } from "../whatif/cell.ts";

/** Throughput and p50 targets of the validation (not-saturated cells). */
export const TARGETS = { throughput: 0.25, p50: 0.3 } as const;
/** A cell whose processes used at least this share of the machine's cores is CPU-saturated. */
export const SATURATED_SHARE = 0.8;
/**
 * A cell that shared the machine with this many cores' worth of other work or steal contended; so
 * did, in an older run without the machine's busy CPU, one whose processes waited this long for a
 * core (run queue) or to steal.
 */
export const CONTENDED_WAIT_CORES = 0.25;

export interface ValidatedCell {
  readonly flags: string;
  readonly size: number;
  readonly connections: number;
  /** `net +Xms, fsync +Yµs, apply Zµs`: the emulation the real cells ran under. */
  readonly env: string;
  /** The repetitions measured: those alone on the machine if any were, else all of them. */
  readonly reps: number;
  /** The cores the simulation shared between the cell's processes (null: one each). */
  readonly cores: number | null;
  readonly measured: { readonly throughput: number; readonly p50Ms: number; readonly spread: number };
  readonly predicted: { readonly throughput: number; readonly p50Ms: number };
  /** (predicted − measured) / measured. */
  readonly error: { readonly throughput: number; readonly p50: number };
  /** Cores busy over the window, summed over the cell's processes, as a share of the machine's. */
  readonly cpuShare: number;
  /** Cores' worth of time the cell's processes waited for a core (run queue) plus host steal. */
  readonly waitCores: number;
  /** The machine's busy CPU beyond the cell's processes', plus steal, in cores; null in older runs. */
  readonly otherCores: number | null;
  /**
   * Why the cell is left out of the error figures: its CPU saturated, it shared the machine with
   * other work or the host, or (older runs) its processes waited for cores.
   */
  readonly contended: "saturated" | "shared" | "waited" | null;
}

export interface ModelValidation {
  readonly cells: readonly ValidatedCell[];
  /** Over the cells that are not saturated: how many met each target, and the median absolute error. */
  readonly accuracy: {
    readonly cells: number;
    readonly throughputWithin: number;
    readonly p50Within: number;
    readonly medianAbsError: { readonly throughput: number; readonly p50: number };
  };
  /** Pairs of combinations the measurement separates, and how many the simulator orders alike. */
  readonly ranking: { readonly pairs: number; readonly agree: number };
}

interface Group {
  readonly config: Cell;
  readonly cells: Cell[];
}

const envOf = (c: CellConfig): string => `net +${c.netDelayMs}ms, fsync +${c.fsyncDelayUs}µs, apply ${c.applyCostUs}µs`;

/**
 * The model as the cell's environment and placement change it: emulated delays add to the machine's
 * own, and a cell whose nodes and load generator all ran on the bench's machine shares its cores.
 */
export function modelForCell(model: PerfModel, c: Cell, machineCores: number): PerfModel {
  const fsyncAddMs = c.fsyncDelayUs / 1000;
  return {
    ...model,
    cores: ranOnOneMachine(c) ? machineCores : null,
    rttMs: model.rttMs + 2 * c.netDelayMs,
    fsyncMs: { p50: model.fsyncMs.p50 + fsyncAddMs, p99: model.fsyncMs.p99 + fsyncAddMs },
    applyHoldUs: model.applyHoldUs + c.applyCostUs,
  };
}

/** The machine's busy CPU beyond the cell's processes', plus steal, in cores; null when not recorded. */
function otherWork(c: Cell): number | null {
  if (c.machineBusyCores === undefined || c.machineBusyCores === null) return null;
  const own = c.cpu.reduce((a, u) => a + u.cpu, 0);
  return Math.max(0, c.machineBusyCores - own) + (c.stealCores ?? 0);
}

/** No process elsewhere: not a cluster of `--target`, not a load of `--loadgen` workers. */
const ranOnOneMachine = (c: Cell): boolean => c.topology === undefined && (c.loadWorkers?.length ?? 0) === 0;

const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The measured cells of `results` that a closed-loop simulation can stand beside: raftlab, no events,
 * reads (if any) by ReadIndex, the simulated nodes' only mode.
 */
function groups(results: Results): Group[] {
  const byKey = new Map<string, Group>();
  for (const c of results.cells) {
    if (c.system !== "raftlab" || c.status !== "ok" || c.connections === null || (c.events?.length ?? 0) > 0) continue;
    if ((c.readMode ?? "readindex") !== "readindex") continue;
    const key = [c.flags, c.size, c.connections, envOf(c), c.valueSize, c.readRatio].join("|");
    const g = byKey.get(key) ?? { config: c, cells: [] };
    g.cells.push(c);
    byKey.set(key, g);
  }
  return [...byKey.values()];
}

/**
 * Simulates every measured cell of `results` under `model` (virtual `durationS` per cell, after
 * `warmupS`) and compares; `onCell` hears of each as it is done (progress).
 */
export function validateModel(
  results: Results,
  model: PerfModel,
  o: { readonly durationS: number; readonly warmupS: number; readonly seed: number },
  onCell: (done: number, total: number) => void = () => {},
): ModelValidation {
  const cores = results.run.machine.cores;
  const gs = groups(results);
  const cells = gs.map((g, i): ValidatedCell => {
    const c = g.config;
    const cellModel = modelForCell(model, c, cores);
    const sim = runWhatifCell(
      { ...c, rep: 0, durationS: o.durationS, warmupS: o.warmupS },
      {
        sizes: [c.size],
        flags: [parseFlags(c.flags)],
        connections: [c.connections!],
        model: cellModel,
        durationS: o.durationS,
        warmupS: o.warmupS,
        valueSize: c.valueSize,
        seed: o.seed,
        out: "",
      },
    );
    onCell(i + 1, gs.length);
    // The repetitions that had the machine to themselves stand for the group when there are any;
    // the spread is over every repetition (a pair of combinations counts only beyond it).
    const alone = g.cells.filter((x) => {
      const other = otherWork(x);
      return other !== null && other < CONTENDED_WAIT_CORES;
    });
    const reps = alone.length > 0 ? alone : g.cells;
    const tputs = g.cells.map((x) => x.throughput);
    const measured = {
      throughput: mean(reps.map((x) => x.throughput)),
      p50Ms: mean(reps.map((x) => x.latencyMs.p50)),
      spread: Math.max(...tputs) - Math.min(...tputs),
    };
    const predicted = { throughput: sim.throughput, p50Ms: sim.latencyMs.p50 };
    const cpuShare = mean(reps.map((x) => x.cpu.reduce((a, u) => a + u.cpu, 0))) / cores;
    const waitCores = mean(reps.map((x) => (x.stealCores ?? 0) + x.cpu.reduce((a, u) => a + (u.runQueueWait ?? 0), 0)));
    const others = reps.map(otherWork);
    const otherCores = others.every((x) => x !== null) ? mean(others as number[]) : null;
    return {
      flags: c.flags,
      size: c.size,
      connections: c.connections!,
      env: envOf(c),
      reps: reps.length,
      cores: cellModel.cores,
      measured,
      predicted,
      error: {
        throughput: (predicted.throughput - measured.throughput) / measured.throughput,
        p50: (predicted.p50Ms - measured.p50Ms) / measured.p50Ms,
      },
      cpuShare,
      waitCores,
      otherCores,
      contended:
        cpuShare >= SATURATED_SHARE
          ? "saturated"
          : otherCores === null
            ? waitCores >= CONTENDED_WAIT_CORES
              ? "waited"
              : null
            : otherCores >= CONTENDED_WAIT_CORES
              ? "shared"
              : null,
    };
  });
  const calm = cells.filter((c) => c.contended === null);
  return {
    cells,
    accuracy: {
      cells: calm.length,
      throughputWithin: calm.filter((c) => Math.abs(c.error.throughput) <= TARGETS.throughput).length,
      p50Within: calm.filter((c) => Math.abs(c.error.p50) <= TARGETS.p50).length,
      medianAbsError: {
        throughput: median(calm.map((c) => Math.abs(c.error.throughput))),
        p50: median(calm.map((c) => Math.abs(c.error.p50))),
      },
    },
    ranking: rankingAgreement(cells),
  };
}

/**
 * Within each group of cells differing only in their combination: the pairs whose measured
 * throughputs differ by more than both cells' spreads, and how many the prediction orders alike.
 */
export function rankingAgreement(cells: readonly ValidatedCell[]): { pairs: number; agree: number } {
  const byGroup = new Map<string, ValidatedCell[]>();
  for (const c of cells) {
    const key = `${c.size}|${c.connections}|${c.env}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), c]);
  }
  let pairs = 0;
  let agree = 0;
  for (const g of byGroup.values()) {
    for (let i = 0; i < g.length; i++) {
      for (let j = i + 1; j < g.length; j++) {
        const a = g[i]!;
        const b = g[j]!;
        const diff = a.measured.throughput - b.measured.throughput;
        if (Math.abs(diff) <= Math.max(a.measured.spread, b.measured.spread)) continue;
        pairs++;
        if (Math.sign(a.predicted.throughput - b.predicted.throughput) === Math.sign(diff)) agree++;
      }
    }
  }
  return { pairs, agree };
}

const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(0)} %`;

/** The validation as Markdown: the summary, then one row per cell. */
export function validationMarkdown(v: ModelValidation): string {
  const a = v.accuracy;
  const within = (n: number, target: number, err: number): string =>
    a.cells === 0 ? "—" : `${n}/${a.cells} within ±${target * 100} % (median |error| ${(100 * err).toFixed(0)} %)`;
  const lines = [
    `Cells that did not contend for the CPU (their processes under ${SATURATED_SHARE * 100} % of the cores, ` +
      `under ${CONTENDED_WAIT_CORES} cores' worth of other work and steal): ${a.cells} of ${v.cells.length}. ` +
      `Throughput: ${within(a.throughputWithin, TARGETS.throughput, a.medianAbsError.throughput)}; ` +
      `p50: ${within(a.p50Within, TARGETS.p50, a.medianAbsError.p50)}.`,
    `Ranking: of ${v.ranking.pairs} pairs of combinations the measurement separates (difference above ` +
      `both spreads), the simulator orders ${v.ranking.agree} alike.`,
    "",
    "| flags | nodes | conns | environment | cores | reps | ops/s measured | predicted | error | p50 ms measured | predicted | error | CPU share | other work (cores) | waited (cores) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...v.cells.map(
      (c) =>
        `| ${c.flags} | ${c.size} | ${c.connections} | ${c.env} | ${c.cores === null ? "one each" : `${c.cores} shared`} | ${c.reps} | ${c.measured.throughput.toFixed(0)} | ` +
        `${c.predicted.throughput.toFixed(0)} | ${pct(c.error.throughput)} | ${c.measured.p50Ms.toFixed(3)} | ` +
        `${c.predicted.p50Ms.toFixed(3)} | ${pct(c.error.p50)} | ${(100 * c.cpuShare).toFixed(0)} %${c.contended === "saturated" ? " (saturated)" : ""} | ` +
        `${c.otherCores === null ? "—" : c.otherCores.toFixed(2)}${c.contended === "shared" ? " (contended)" : ""} | ` +
        `${c.waitCores.toFixed(2)}${c.contended === "waited" ? " (contended)" : ""} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** The simulation settings of a validation: short virtual cells, one seed. */
export const VALIDATION_RUN = { durationS: 2, warmupS: 0.5, seed: 1 } as const;

/**
 * Validates the measured run in `runDir` against `model`, writes model-validation.md and .json
 * there, and returns the summary's first two lines.
 */
export function writeModelValidation(
  runDir: string,
  results: Results,
  model: PerfModel,
  onCell?: (done: number, total: number) => void,
  run: { readonly durationS: number; readonly warmupS: number; readonly seed: number } = VALIDATION_RUN,
): string {
  const v = validateModel(results, model, run, onCell);
  const md = validationMarkdown(v);
  writeFileSync(path.join(runDir, "model-validation.md"), md);
  writeFileSync(path.join(runDir, "model-validation.json"), `${JSON.stringify({ model, ...v }, null, 2)}\n`);
  return v.cells.length === 0
    ? "no measured closed-loop raftlab cells to compare"
    : md.split("\n").slice(0, 2).join("\n");
}
