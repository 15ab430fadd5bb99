// The generated text summary: what each flag did in this run, measured on pairs of combinations that
// differ only in that flag (same size, load level and environment), set against what the literature
// expects. It states a loss or a null result as plainly as a win.

import { FLAG_NAMES, type FlagName } from "../../src/core/flags.ts";
import type { Results } from "../results.ts";
import {
  atHighestLoad,
  differsBeyondSpread,
  measurementKey,
  median,
  type Point,
  pointsOf,
  RAFTLAB,
  type Spread,
  seriesOrder,
} from "./aggregate.ts";
import { runEffects } from "./effects.ts";
import { factorialChecks } from "./effects-summary.ts";

export type Verdict = "helps" | "hurts" | "mixed" | "no difference" | "unknown";

export interface RatioSummary {
  /** Median over the pairs of (flag on) / (flag off). */
  readonly median: number;
  /** Pairs where the flag's side is better beyond the spread of repetitions. */
  readonly better: number;
  /** Pairs where the flag's side is worse beyond the spread of repetitions. */
  readonly worse: number;
  /** Pairs whose spread is unknown (a single repetition on a side). */
  readonly unknown: number;
  readonly pairs: number;
}

export interface Pair {
  readonly off: Point;
  readonly on: Point;
}

export interface FlagEffect {
  readonly flag: FlagName;
  readonly size: number;
  readonly scenario: string;
  readonly pairs: readonly Pair[];
  readonly throughput: RatioSummary;
  readonly p50: RatioSummary;
  readonly p99: RatioSummary;
  /** Median throughput ratio per load level, lowest level first. */
  readonly byLoad: readonly { readonly load: string; readonly ratio: number }[];
  readonly verdict: Verdict;
}

export interface LiteratureCheck {
  readonly flag: FlagName;
  readonly expectation: string;
  /** confirmed / not confirmed: judged on the factorial effects' intervals (when the run has them). */
  readonly outcome: "agrees" | "disagrees" | "cannot tell" | "not tested" | "confirmed" | "not confirmed";
  readonly detail: string;
}

export interface Summary {
  readonly effects: readonly FlagEffect[];
  readonly checks: readonly LiteratureCheck[];
  /** Plain text per flag, size and environment (same order as `effects`): headline, then figures. */
  readonly lines: readonly { readonly head: string; readonly figures: string }[];
}

export function summarize(results: Results): Summary {
  const points = pointsOf(results).filter((p) => p.system === RAFTLAB);
  const effects = FLAG_NAMES.flatMap((flag) => flagEffects(flag, points));
  return {
    effects,
    checks: factorialChecks(runEffects(results)) ?? literatureChecks(effects),
    lines: effects.map(effectSentence),
  };
}

/** The effect of one flag per (size, environment), over every pair differing only in that flag. */
function flagEffects(flag: FlagName, points: readonly Point[]): FlagEffect[] {
  const byKey = new Map(points.map((p) => [p.key, p]));
  const groups = new Map<string, Pair[]>();
  for (const off of points) {
    const flags = off.flags === "none" ? [] : off.flags.split("+");
    if (flags.includes(flag)) continue;
    const onFlags = FLAG_NAMES.filter((f) => f === flag || flags.includes(f)).join("+");
    const on = byKey.get(measurementKey({ ...off.cells[0]!, flags: onFlags }));
    if (!on) continue;
    const group = JSON.stringify([off.size, off.scenario]);
    const list = groups.get(group) ?? [];
    list.push({ off, on });
    groups.set(group, list);
  }
  return [...groups.values()].map((pairs) => {
    const throughput = ratioSummary(pairs, (p) => p.throughput, true);
    const loads = [...new Set(pairs.map((p) => p.off.load))].sort((a, b) => a - b);
    return {
      flag,
      size: pairs[0]!.off.size,
      scenario: pairs[0]!.off.scenario,
      pairs,
      throughput,
      p50: ratioSummary(pairs, (p) => p.p50, false),
      p99: ratioSummary(pairs, (p) => p.p99, false),
      byLoad: loads.map((load) => {
        const at = pairs.filter((p) => p.off.load === load);
        return {
          load: at[0]!.off.loadLabel,
          ratio: median(at.map((p) => p.on.throughput.mean / p.off.throughput.mean)),
        };
      }),
      verdict: verdictOf(throughput),
    };
  });
}

function ratioSummary(pairs: readonly Pair[], of: (p: Point) => Spread, higherIsBetter: boolean): RatioSummary {
  let better = 0;
  let worse = 0;
  let unknown = 0;
  for (const { off, on } of pairs) {
    const beyond = differsBeyondSpread(of(off), of(on));
    if (beyond === null) unknown++;
    else if (beyond) {
      if (of(on).mean > of(off).mean === higherIsBetter) better++;
      else worse++;
    }
  }
  return {
    median: median(pairs.map((p) => of(p.on).mean / of(p.off).mean)),
    better,
    worse,
    unknown,
    pairs: pairs.length,
  };
}

/**
 * helps/hurts: at least half of the pairs with a known spread moved that way beyond the spread, and
 * more than moved the other way; mixed: a quarter or more moved each way; otherwise no difference.
 */
function verdictOf(s: RatioSummary): Verdict {
  const known = s.pairs - s.unknown;
  if (known === 0) return "unknown";
  if (s.better * 2 >= known && s.better > s.worse) return "helps";
  if (s.worse * 2 >= known && s.worse > s.better) return "hurts";
  if (s.better * 4 >= known && s.worse * 4 >= known) return "mixed";
  return "no difference";
}

const VERDICT_TEXT: Record<Verdict, string> = {
  helps: "helps",
  hurts: "HURTS",
  mixed: "mixed: helps in some pairs, hurts in others",
  "no difference": "no difference beyond the spread of repetitions",
  unknown: "cannot tell (single repetitions: no spread to compare against)",
};

function effectSentence(e: FlagEffect): { head: string; figures: string } {
  const where = `${e.size} nodes${e.scenario ? ` (${e.scenario})` : ""}`;
  const loads = e.byLoad.length > 1 ? ` (${e.byLoad.map((l) => `${ratio(l.ratio)} at ${l.load}`).join(", ")})` : "";
  const t = e.throughput;
  const head = `${e.flag}, ${where}: ${VERDICT_TEXT[e.verdict]}.`;
  const figures =
    `Throughput ${ratio(t.median)} median over ${t.pairs} pairs${loads}; ` +
    `p50 ${ratio(e.p50.median)}, p99 ${ratio(e.p99.median)}. Beyond the spread: throughput higher in ${t.better}, lower in ${t.worse}; ` +
    `p50 lower in ${e.p50.better}, higher in ${e.p50.worse} of ${t.pairs} pairs.`;
  return { head, figures };
}

function ratio(x: number): string {
  return Number.isFinite(x) ? `×${x.toFixed(x >= 10 ? 1 : 2)}` : "×?";
}

// --- the literature's expectations ------------------------------------------------------------------

function literatureChecks(effects: readonly FlagEffect[]): LiteratureCheck[] {
  return [batchCheck(effects), pipelineCheck(effects), parallelAppendCheck(effects), asyncApplyCheck(effects)];
}

/** Pairs of a flag whose environment satisfies `when` (judged on the flag-off side's first cell). */
function effectsWhere(effects: readonly FlagEffect[], flag: FlagName, when: (p: Point) => boolean): FlagEffect[] {
  return effects.filter((e) => e.flag === flag && when(e.pairs[0]!.off));
}

/** Agrees when every effect meets the expectation; with single repetitions a miss cannot be told from noise. */
function outcomeOver(
  list: readonly FlagEffect[],
  ok: (e: FlagEffect) => boolean,
): "agrees" | "disagrees" | "cannot tell" {
  if (list.every(ok)) return "agrees";
  return list.some((e) => !ok(e) && e.verdict === "unknown") ? "cannot tell" : "disagrees";
}

function where(e: FlagEffect): string {
  return `${e.size} nodes${e.scenario ? `, ${e.scenario}` : ""}`;
}

function batchCheck(effects: readonly FlagEffect[]): LiteratureCheck {
  const expectation = "batching is the largest win on loopback (no network delay)";
  const loopback = effectsWhere(effects, "batch", (p) => p.cells[0]!.netDelayMs === 0);
  if (loopback.length === 0)
    return {
      flag: "batch",
      expectation,
      outcome: "not tested",
      detail: "every environment in this run has network delay",
    };
  const rivals = (e: FlagEffect) =>
    effects.filter((o) => o.flag !== "batch" && o.size === e.size && o.scenario === e.scenario);
  const isLargest = (e: FlagEffect) =>
    e.verdict === "helps" && rivals(e).every((o) => o.throughput.median < e.throughput.median);
  const detail = loopback
    .map((e) => {
      const best = rivals(e).sort((a, b) => b.throughput.median - a.throughput.median)[0];
      return `${where(e)}: batch ${ratio(e.throughput.median)}${best ? `, next best ${best.flag} ${ratio(best.throughput.median)}` : ""}`;
    })
    .join("; ");
  return { flag: "batch", expectation, outcome: outcomeOver(loopback, isLargest), detail };
}

function pipelineCheck(effects: readonly FlagEffect[]): LiteratureCheck {
  const expectation = "pipelining helps under network delay";
  const delayed = effectsWhere(effects, "pipeline", (p) => p.cells[0]!.netDelayMs > 0);
  const loopback = effectsWhere(effects, "pipeline", (p) => p.cells[0]!.netDelayMs === 0);
  const observed = (list: FlagEffect[]) =>
    list.map((e) => `${where(e)}: throughput ${ratio(e.throughput.median)}, ${VERDICT_TEXT[e.verdict]}`).join("; ");
  if (delayed.length === 0) {
    return {
      flag: "pipeline",
      expectation,
      outcome: "not tested",
      detail: `this run has no network delay (--net-delay), where little gain is expected; observed on loopback: ${observed(loopback) || "no pairs"}`,
    };
  }
  return {
    flag: "pipeline",
    expectation,
    outcome: outcomeOver(delayed, (e) => e.verdict === "helps"),
    detail: observed(delayed),
  };
}

function parallelAppendCheck(effects: readonly FlagEffect[]): LiteratureCheck {
  const expectation = "parallel append removes about one fsync from commit latency once fsync is costly";
  const costly = effectsWhere(effects, "parallel-append", (p) => p.cells[0]!.fsyncDelayUs > 0);
  const savings = (e: FlagEffect) => {
    // Commit latency is clearest at the lowest load level, where nothing queues.
    const lowest = Math.min(...e.pairs.map((p) => p.off.load));
    const at = e.pairs.filter((p) => p.off.load === lowest);
    const saved = median(at.map((p) => p.off.p50.mean - p.on.p50.mean));
    const fsync = median(at.flatMap((p) => p.off.cells.flatMap((c) => (c.stagesMs ? [c.stagesMs.append.mean] : []))));
    return { saved, fsync, load: at[0]!.off.loadLabel };
  };
  const describe = (e: FlagEffect) => {
    const s = savings(e);
    const fsync = Number.isFinite(s.fsync)
      ? `, leader append + fsync ${ms(s.fsync)}`
      : ", no stage timings to size one fsync";
    return `${where(e)}: p50 ${s.saved >= 0 ? "lower" : "higher"} by ${ms(Math.abs(s.saved))} at ${s.load}${fsync}`;
  };
  if (costly.length === 0) {
    const cheap = effectsWhere(effects, "parallel-append", () => true);
    return {
      flag: "parallel-append",
      expectation,
      outcome: "not tested",
      detail: `fsync is cheap in this run (no --fsync-delay-us); observed: ${cheap.map(describe).join("; ") || "no pairs"}`,
    };
  }
  // "About one fsync": at least half of the leader's append + fsync time comes off p50.
  const agrees = (e: FlagEffect) => {
    const s = savings(e);
    return e.p50.better > e.p50.worse && Number.isFinite(s.fsync) && s.saved >= s.fsync / 2;
  };
  return {
    flag: "parallel-append",
    expectation,
    outcome: outcomeOver(costly, agrees),
    detail: costly.map(describe).join("; "),
  };
}

function asyncApplyCheck(effects: readonly FlagEffect[]): LiteratureCheck {
  const expectation = "async apply helps when apply is costly";
  const costly = effectsWhere(effects, "async-apply", (p) => p.cells[0]!.applyCostUs > 0);
  const observed = (list: FlagEffect[]) =>
    list.map((e) => `${where(e)}: throughput ${ratio(e.throughput.median)}, ${VERDICT_TEXT[e.verdict]}`).join("; ");
  if (costly.length === 0) {
    return {
      flag: "async-apply",
      expectation,
      outcome: "not tested",
      detail: `apply costs almost nothing in this run (no --apply-cost-us); observed: ${observed(effectsWhere(effects, "async-apply", () => true)) || "no pairs"}`,
    };
  }
  return {
    flag: "async-apply",
    expectation,
    outcome: outcomeOver(costly, (e) => e.verdict === "helps"),
    detail: observed(costly),
  };
}

function ms(x: number): string {
  return `${Number(x.toPrecision(3))} ms`;
}

// --- combinations at a glance ------------------------------------------------------------------------

export interface CombinationRow {
  readonly series: string;
  /** Mean throughput at the highest load level, per cluster size. */
  readonly throughput: Readonly<Record<number, number>>;
  /** Mean p50 at the lowest load level, per cluster size. */
  readonly p50: Readonly<Record<number, number>>;
  /** The run's correctness verdict for the combination, when it carries one. */
  readonly correctness: string | null;
}

/**
 * One row per series for the "at a glance" table, in the run's first environment (charts show the
 * others): throughput at the highest load level, p50 at the lowest.
 */
export function combinationRows(results: Results): {
  sizes: number[];
  scenario: string;
  topLoad: string;
  lowLoad: string;
  rows: CombinationRow[];
} {
  const all = pointsOf(results);
  const scenario = [...new Set(all.map((p) => p.scenario))].sort()[0] ?? "";
  const points = all.filter((p) => p.scenario === scenario);
  const top = atHighestLoad(points);
  const lowest = Math.min(...points.map((p) => p.load));
  const low = points.filter((p) => p.load === lowest);
  const sizes = [...new Set(points.map((p) => p.size))].sort((a, b) => a - b);
  const bySize = (list: readonly Point[], series: string, figure: (p: Point) => number): Record<number, number> => {
    const out: Record<number, number> = {};
    for (const p of list) if (p.series === series) out[p.size] = figure(p);
    return out;
  };
  const rows = seriesOrder(results).map((series) => ({
    series,
    throughput: bySize(top, series, (p) => p.throughput.mean),
    p50: bySize(low, series, (p) => p.p50.mean),
    correctness: results.correctness?.[series] ?? null,
  }));
  return { sizes, scenario, topLoad: top[0]?.loadLabel ?? "", lowLoad: low[0]?.loadLabel ?? "", rows };
}
