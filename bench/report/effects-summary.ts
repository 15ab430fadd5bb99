// The report's headline: a verdict per flag and environment from the factorial effects (ratio, 95 %
// interval, method), the two-flag interactions whose interval excludes 1, the groups that could not
// be analysed, and the literature's expectations checked against the intervals.

import { FLAG_NAMES, type FlagName } from "../../src/core/flags.ts";
import type { Results } from "../results.ts";
import {
  EFFECT_METRICS,
  type EffectGroup,
  type EffectMetric,
  type Estimate,
  estimates,
  groupLabel,
  interactionMeans,
  methodText,
  type RunEffects,
  runEffects,
} from "./effects.ts";
import { COMBINATIONS } from "./factorial.ts";
import { ratioLabel } from "./specs.ts";

export type FlagVerdict = "helps" | "hurts" | "trade-off" | "no effect detected";

export interface FlagLine {
  readonly flag: FlagName;
  readonly group: EffectGroup;
  readonly verdict: FlagVerdict;
  readonly text: string;
}

export interface EffectsSummary {
  readonly effects: RunEffects;
  /** Why there are no effects at all ("" when there are some). */
  readonly absent: string;
  /** One per flag and group: flags in flag order, then groups (loopback first). */
  readonly flags: readonly FlagLine[];
  /** Whether every flag has a verdict (an interval excluding 1) in some group; the sentence saying so. */
  readonly decisive: { readonly all: boolean; readonly text: string };
  /** Two-flag interactions whose interval excludes 1, largest first. */
  readonly interactions: readonly string[];
  /** Groups with a missing or failed cell. */
  readonly incomplete: readonly string[];
}

const METRIC_TEXT: Record<EffectMetric, string> = { throughput: "throughput", p50: "p50", p99: "p99" };

export function summarizeEffects(results: Results): EffectsSummary {
  const effects = runEffects(results);
  const absent =
    effects.combinations < COMBINATIONS
      ? `Factorial effects need all ${COMBINATIONS} combinations of the four flags (--flags all-combos); this run has ${effects.combinations}, so only the pairwise comparisons below describe it.`
      : effects.groups.length === 0
        ? "No group of cells (same size, load level and environment) has all sixteen combinations succeed, so no factorial effect can be estimated."
        : "";
  const flags = FLAG_NAMES.flatMap((flag) => effects.groups.map((group) => flagLine(flag, group)));
  const undecided = FLAG_NAMES.filter((f) => !flags.some((l) => l.flag === f && l.verdict !== "no effect detected"));
  const decisive = {
    all: flags.length > 0 && undecided.length === 0,
    text:
      flags.length === 0
        ? ""
        : undecided.length === 0
          ? "Every flag has an interval that excludes ×1 on some metric in some environment."
          : `No interval excludes ×1 anywhere in this run for: ${undecided.join(", ")}.`,
  };
  // Largest first: a real interaction stands out from the odd false positive of a 95 % interval.
  const interactions = effects.groups
    .flatMap((group) =>
      EFFECT_METRICS.flatMap((metric) =>
        estimates(group, metric)
          .filter((e) => e.term.flags.length === 2 && e.verdict !== "no effect detected")
          .map((e) => ({ group, e })),
      ),
    )
    .sort((x, y) => Math.abs(Math.log(y.e.ratio)) - Math.abs(Math.log(x.e.ratio)))
    .map(({ group, e }) => interactionText(group, e));
  const incomplete = effects.incomplete.map(
    (g) =>
      `${groupLabel(g)}: ${[g.missing.length ? `missing ${g.missing.join(", ")}` : "", g.failed.length ? `failed ${g.failed.join("; ")}` : ""].filter(Boolean).join("; ")}`,
  );
  return { effects, absent, flags, decisive, interactions, incomplete };
}

function flagLine(flag: FlagName, group: EffectGroup): FlagLine {
  const byMetric = EFFECT_METRICS.map((m) => estimates(group, m, 1).find((e) => e.term.name === flag)!);
  const helps = byMetric.some((e) => e.verdict === "helps");
  const hurts = byMetric.some((e) => e.verdict === "hurts");
  const verdict: FlagVerdict = helps && hurts ? "trade-off" : helps ? "helps" : hurts ? "hurts" : "no effect detected";
  const figures = byMetric.map((e) => `${METRIC_TEXT[e.metric]} ${estimateText(e)}`).join(", ");
  return {
    flag,
    group,
    verdict,
    text: `${flag}: ${verdict.toUpperCase()} (${groupLabel(group)}): ${figures}; ${methodText(group.analyses.throughput)}`,
  };
}

function interactionText(group: EffectGroup, e: Estimate): string {
  const [a, b] = e.term.flags as [FlagName, FlagName];
  const [ff, ft, tf, tt] = interactionMeans(group, e.metric, e.term).map((m) => m.value) as [
    number,
    number,
    number,
    number,
  ];
  const better = e.verdict === "helps";
  return (
    `${a} × ${b} on ${METRIC_TEXT[e.metric]} ${estimateText(e)} (${groupLabel(group)}): together they do ${better ? "better" : "worse"} than their separate effects predict; ` +
    `${a} gives ${ratioLabel(tt / ft)} with ${b} on, ${ratioLabel(tf / ff)} with it off`
  );
}

export function estimateText(e: Pick<Estimate, "ratio" | "lo" | "hi">): string {
  return `${ratioLabel(e.ratio)} (95 % CI ${ratioLabel(e.lo)}–${ratioLabel(e.hi)})`;
}

// --- the literature, checked on the intervals -----------------------------------------------------

export interface FactorialCheck {
  readonly flag: FlagName;
  readonly expectation: string;
  readonly outcome: "confirmed" | "not confirmed" | "not tested";
  readonly detail: string;
}

/** The four expectations judged on the factorial effects; null when the run has none. */
export function factorialChecks(effects: RunEffects): FactorialCheck[] | null {
  if (effects.groups.length === 0) return null;
  const find = (g: EffectGroup, metric: EffectMetric, flag: FlagName) =>
    estimates(g, metric, 1).find((e) => e.term.name === flag)!;
  const check = (
    flag: FlagName,
    expectation: string,
    where: (g: EffectGroup) => boolean,
    untested: string,
    ok: (g: EffectGroup) => boolean,
    metrics: EffectMetric[],
  ): FactorialCheck => {
    const groups = effects.groups.filter(where);
    if (groups.length === 0) return { flag, expectation, outcome: "not tested", detail: untested };
    const detail = groups
      .map(
        (g) =>
          `${groupLabel(g)}: ${metrics.map((m) => `${METRIC_TEXT[m]} ${estimateText(find(g, m, flag))}`).join(", ")}`,
      )
      .join("; ");
    return { flag, expectation, outcome: groups.every(ok) ? "confirmed" : "not confirmed", detail };
  };
  const helps = (flag: FlagName) => (g: EffectGroup) => flagLine(flag, g).verdict === "helps";
  return [
    check(
      "batch",
      "batching is the largest win on loopback (no network delay)",
      (g) => g.knobs.netDelayMs === 0,
      "every environment in this run has network delay",
      (g) => {
        const batch = find(g, "throughput", "batch");
        return (
          batch.verdict === "helps" &&
          FLAG_NAMES.every((f) => f === "batch" || find(g, "throughput", f).ratio < batch.ratio)
        );
      },
      ["throughput"],
    ),
    check(
      "pipeline",
      "pipelining helps under network delay",
      (g) => g.knobs.netDelayMs > 0,
      "no environment in this run has network delay (--net-delay)",
      helps("pipeline"),
      ["throughput", "p50"],
    ),
    check(
      "parallel-append",
      "parallel append lowers commit latency once fsync is costly",
      (g) => g.knobs.fsyncDelayUs > 0,
      "no environment in this run has a costly fsync (--fsync-delay-us)",
      (g) => find(g, "p50", "parallel-append").verdict === "helps",
      ["p50", "throughput"],
    ),
    check(
      "async-apply",
      "async apply helps when apply is costly",
      (g) => g.knobs.applyCostUs > 0,
      "no environment in this run has an apply cost (--apply-cost-us)",
      helps("async-apply"),
      ["throughput", "p50"],
    ),
  ];
}
