// The flags' factorial effects in a run: raftlab's cells grouped by size, load level and environment;
// every group that holds all sixteen combinations, each successful, is analysed as a 2⁴ factorial on
// log throughput, log p50 and log p99 (factorial.ts states the definitions). A group with a missing or
// failed cell gets no effects, and says which cells: nothing is imputed.

import { allCombos, FLAG_NAMES, formatFlags } from "../../src/core/flags.ts";
import type { Cell, EffectEntry, Results } from "../results.ts";
import { ENV_KNOBS, type EnvKnob, loadOf, RAFTLAB, scenarioOf, varyingKnobs } from "./aggregate.ts";
import { analyseFactorial, COMBINATIONS, type FactorialAnalysis, type Term } from "./factorial.ts";

export const EFFECT_METRICS = ["throughput", "p50", "p99"] as const;
export type EffectMetric = (typeof EFFECT_METRICS)[number];
export type EffectVerdict = EffectEntry["verdict"];

const HIGHER_IS_BETTER: Record<EffectMetric, boolean> = { throughput: true, p50: false, p99: false };

const COMBO_NAMES = allCombos().map(formatFlags);

export interface GroupContext {
  readonly size: number;
  readonly loadKind: "connections" | "rate";
  readonly load: number;
  readonly loadLabel: string;
  /** Canonical spelling of every environment knob (results.json's `env`). */
  readonly env: string;
  /** The environment for people: `loopback` or the emulation knobs set (`net 0.25 ms · fsync +1000 µs`), and any workload knob that varies in the run. */
  readonly environment: string;
  /** The group's environment knobs. */
  readonly knobs: Readonly<Pick<Cell, EnvKnob>>;
}

export interface EffectGroup extends GroupContext {
  /** The successful cells of each combination, indexed by its bit pattern. */
  readonly cells: readonly (readonly Cell[])[];
  readonly analyses: Readonly<Record<EffectMetric, FactorialAnalysis>>;
}

export interface IncompleteGroup extends GroupContext {
  /** Combinations with no cell at all in this group. */
  readonly missing: readonly string[];
  /** Failed cells, as `combination rep N: error`. */
  readonly failed: readonly string[];
}

export interface RunEffects {
  /** How many of the sixteen combinations the run has (any status). Below 16 there are no effects. */
  readonly combinations: number;
  readonly groups: readonly EffectGroup[];
  readonly incomplete: readonly IncompleteGroup[];
}

export interface Estimate {
  readonly metric: EffectMetric;
  readonly term: Term;
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  readonly verdict: EffectVerdict;
}

export function metricOf(cell: Cell, metric: EffectMetric): number {
  return metric === "throughput" ? cell.throughput : cell.latencyMs[metric];
}

export function runEffects(results: Results): RunEffects {
  const cells = results.cells.filter((c) => c.system === RAFTLAB);
  const combinations = new Set(cells.map((c) => c.flags)).size;
  if (combinations < COMBINATIONS) return { combinations, groups: [], incomplete: [] };
  const varying = varyingKnobs(cells);
  const byGroup = new Map<string, Cell[]>();
  for (const c of cells) {
    const load = loadOf(c);
    const key = JSON.stringify([c.size, load.kind, load.value, envKey(c)]);
    const list = byGroup.get(key);
    if (list) list.push(c);
    else byGroup.set(key, [c]);
  }
  const groups: EffectGroup[] = [];
  const incomplete: IncompleteGroup[] = [];
  for (const list of byGroup.values()) {
    const first = list[0]!;
    const load = loadOf(first);
    const context: GroupContext = {
      size: first.size,
      loadKind: load.kind,
      load: load.value,
      loadLabel: load.label,
      env: envKey(first),
      environment: environmentName(first, varying),
      knobs: Object.fromEntries(ENV_KNOBS.map((k) => [k, first[k]])) as Pick<Cell, EnvKnob>,
    };
    const missing = COMBO_NAMES.filter((name) => !list.some((c) => c.flags === name));
    const failed = list.filter((c) => c.status !== "ok" || EFFECT_METRICS.some((m) => !(metricOf(c, m) > 0)));
    if (missing.length > 0 || failed.length > 0) {
      incomplete.push({
        ...context,
        missing,
        failed: failed.map((c) => `${c.flags} rep ${c.rep}: ${c.error ?? "a figure is not positive"}`),
      });
      continue;
    }
    const byCombo = COMBO_NAMES.map((name) => list.filter((c) => c.flags === name));
    const analyse = (m: EffectMetric) => analyseFactorial(byCombo.map((cs) => cs.map((c) => Math.log(metricOf(c, m)))));
    groups.push({
      ...context,
      cells: byCombo,
      analyses: { throughput: analyse("throughput"), p50: analyse("p50"), p99: analyse("p99") },
    });
  }
  // Environments in knob order, numbers compared as numbers (loopback before any emulated delay).
  const byKnobs = (a: GroupContext, b: GroupContext) => {
    for (const k of ENV_ORDER) {
      const [x, y] = [a.knobs[k], b.knobs[k]];
      if (x !== y) return typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    }
    return 0;
  };
  const order = (a: GroupContext, b: GroupContext) =>
    byKnobs(a, b) || a.size - b.size || a.loadKind.localeCompare(b.loadKind) || a.load - b.load;
  return { combinations, groups: groups.sort(order), incomplete: incomplete.sort(order) };
}

/** A group's estimates of one metric as ratios with their 95 % intervals, main effects and two-flag interactions. */
export function estimates(group: EffectGroup, metric: EffectMetric, maxOrder = 2): Estimate[] {
  return group.analyses[metric].estimates
    .filter((e) => e.term.flags.length <= maxOrder)
    .map((e) => {
      const lo = Math.exp(e.effect - e.margin);
      const hi = Math.exp(e.effect + e.margin);
      return { metric, term: e.term, ratio: Math.exp(e.effect), lo, hi, verdict: verdictOf(metric, lo, hi) };
    });
}

/** helps / hurts only when the interval excludes 1; an interaction "helps" when the two flags together do better than their separate effects predict. */
export function verdictOf(metric: EffectMetric, lo: number, hi: number): EffectVerdict {
  const up = lo > 1;
  const down = hi < 1;
  if (!up && !down) return "no effect detected";
  return up === HIGHER_IS_BETTER[metric] ? "helps" : "hurts";
}

/** The `effects` array of results.json. */
export function effectEntries(effects: RunEffects): EffectEntry[] {
  return effects.groups.flatMap((g) =>
    EFFECT_METRICS.flatMap((metric) =>
      estimates(g, metric).map((e) => ({
        metric,
        size: g.size,
        load: g.loadLabel,
        env: g.env,
        term: e.term.name,
        ratio: e.ratio,
        ci95: [e.lo, e.hi] as const,
        method: g.analyses[metric].method,
        df: g.analyses[metric].df,
        verdict: e.verdict,
      })),
    ),
  );
}

/** How an interval was computed, for people. */
export function methodText(a: FactorialAnalysis): string {
  return a.method === "lenth"
    ? `Lenth's pseudo standard error, t on ${a.df} d.f.`
    : `pooled replicate variance, t on ${a.df} d.f.`;
}

/** Geometric mean of a combination's repetitions. */
export function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/**
 * The interaction plot's four points for a two-flag term: the geometric mean of the metric over the
 * four combinations at each (first flag, second flag) setting.
 */
export function interactionMeans(
  group: EffectGroup,
  metric: EffectMetric,
  term: Term,
): { first: boolean; second: boolean; value: number }[] {
  const [a, b] = term.flags.map((f) => 1 << FLAG_NAMES.indexOf(f)) as [number, number];
  return [false, true].flatMap((first) =>
    [false, true].map((second) => {
      const logs = group.cells.flatMap((cs, bits) =>
        ((bits & a) !== 0) === first && ((bits & b) !== 0) === second
          ? [Math.log(geometricMean(cs.map((c) => metricOf(c, metric))))]
          : [],
      );
      return { first, second, value: Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length) };
    }),
  );
}

/** The two-flag interaction with the largest |effect| over every group and metric, preferring one whose interval excludes 1. */
export function largestInteraction(effects: RunEffects): { group: EffectGroup; estimate: Estimate } | null {
  let best: { group: EffectGroup; estimate: Estimate; score: [number, number] } | null = null;
  for (const group of effects.groups) {
    for (const metric of EFFECT_METRICS) {
      for (const estimate of estimates(group, metric)) {
        if (estimate.term.flags.length !== 2) continue;
        const score: [number, number] = [
          estimate.verdict === "no effect detected" ? 0 : 1,
          Math.abs(Math.log(estimate.ratio)),
        ];
        if (!best || score[0] > best.score[0] || (score[0] === best.score[0] && score[1] > best.score[1]))
          best = { group, estimate, score };
      }
    }
  }
  return best && { group: best.group, estimate: best.estimate };
}

const EMULATION_KNOBS = new Set<EnvKnob>(["netDelayMs", "netJitterMs", "netLoss", "fsyncDelayUs", "applyCostUs"]);

const ENV_SPELLING: Record<EnvKnob, (v: Cell[EnvKnob]) => string> = {
  netDelayMs: (v) => `net=${String(v)}ms`,
  netJitterMs: (v) => `jitter=${String(v)}ms`,
  netLoss: (v) => `loss=${String(v)}`,
  fsyncDelayUs: (v) => `fsync=${String(v)}us`,
  applyCostUs: (v) => `apply=${String(v)}us`,
  valueSize: (v) => `value=${String(v)}B`,
  keys: (v) => `keys=${String(v)}`,
  keyDist: (v) => `dist=${String(v)}`,
  readRatio: (v) => `reads=${String(v)}`,
  // Only where the sweep set it (absent = the nodes' default, ReadIndex).
  readMode: (v) => (v === undefined ? "" : `readMode=${String(v)}`),
  // Replication knobs: only those the sweep set (absent = the node's default).
  maxInflight: (v) => (v === undefined ? "" : `inflight=${String(v)}`),
  maxInflightBytes: (v) => (v === undefined ? "" : `inflightBytes=${String(v)}`),
  maxBatchEntries: (v) => (v === undefined ? "" : `batchEntries=${String(v)}`),
  maxBatchBytes: (v) => (v === undefined ? "" : `batchBytes=${String(v)}`),
  maxApplyBytes: (v) => (v === undefined ? "" : `applyBytes=${String(v)}`),
};

/** The emulation knobs first (they are what tells the default environments apart), then the workload. */
const ENV_ORDER: readonly EnvKnob[] = [
  ...ENV_KNOBS.filter((k) => EMULATION_KNOBS.has(k)),
  ...ENV_KNOBS.filter((k) => !EMULATION_KNOBS.has(k)),
];

/** Every environment knob of a cell in one short canonical string: equal strings, same environment. */
export function envKey(cell: Pick<Cell, EnvKnob>): string {
  return ENV_ORDER.map((k) => ENV_SPELLING[k](cell[k]))
    .filter(Boolean)
    .join(" ");
}

/** `loopback` when nothing is emulated, else the emulation knobs that are set; then the workload knobs that vary in the run. */
function environmentName(cell: Cell, varying: readonly EnvKnob[]): string {
  const emulated = [...EMULATION_KNOBS].filter((k) => cell[k] !== 0);
  const workload = varying.filter((k) => !EMULATION_KNOBS.has(k));
  return [emulated.length ? scenarioOf(cell, emulated) : "loopback", scenarioOf(cell, workload)]
    .filter(Boolean)
    .join(" · ");
}

/** How a group is named in the report: environment, size and load. */
export function groupLabel(g: GroupContext): string {
  return `${g.environment}, ${g.size} nodes, ${g.loadLabel}`;
}
