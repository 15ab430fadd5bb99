// Results → Vega-Lite specs, data inlined as values. Pure: no IO. Only successful cells feed the
// charts (failed cells are listed in their own table by the page); every series keeps one color in
// every chart, and a peer system (e.g. etcd) is a series of its own next to the sixteen combinations.

import { KNOB_NAMES, KNOB_OPTIONS } from "../../src/core/config.ts";
import { FLAG_NAMES, type FlagName } from "../../src/core/flags.ts";
import type { Chart, VegaLiteSpec } from "../../src/page/chart.ts";
import type { MechanismSummary, Results } from "../results.ts";
import {
  atHighestLoad,
  compareScenarios,
  type Point,
  pointsOf,
  RAFTLAB,
  scenarioOf,
  seriesOrder,
  spread,
  varyingKnobs,
} from "./aggregate.ts";
import {
  EFFECT_METRICS,
  type EffectMetric,
  estimates,
  groupLabel,
  interactionMeans,
  largestInteraction,
  methodText,
  type RunEffects,
  runEffects,
} from "./effects.ts";
import { COMBINATIONS, TERMS } from "./factorial.ts";

export interface RunCharts {
  readonly charts: readonly Chart[];
  /** Charts left out because the run has no data for them, with the reason. */
  readonly omitted: readonly string[];
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Vega's tableau20: a combination keeps its color in every run (index = its bit pattern). */
const COMBO_COLORS = [
  "#4c78a8",
  "#9ecae9",
  "#f58518",
  "#ffbf79",
  "#54a24b",
  "#88d27a",
  "#b79a20",
  "#f2cf5b",
  "#439894",
  "#83bcb6",
  "#e45756",
  "#ff9d98",
  "#79706e",
  "#bab0ac",
  "#d67195",
  "#fcbfd2",
];
const PEER_COLORS = ["#111111", "#8c564b", "#7f7f7f"];

const CONFIG = {
  font: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
  title: { fontSize: 15, anchor: "start", subtitleFontSize: 12, subtitleColor: "#555" },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 13, labelFontWeight: "bold" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  view: { stroke: "#ddd" },
};

const FIGURE_FORMAT = ",.4~r";
/** Log axes get many candidate ticks; dropping overlapping labels keeps them legible. */
const LOG_AXIS = { labelOverlap: "greedy", labelSeparation: 6 };

/** Every chart the run has data for, in page order. */
export function runCharts(results: Results): RunCharts {
  const points = pointsOf(results);
  const charts: Chart[] = [];
  const omitted: string[] = [];
  const add = (chart: Chart | string): void => {
    if (typeof chart === "string") omitted.push(chart);
    else charts.push(chart);
  };
  if (points.length === 0) return { charts, omitted: ["every chart: the run has no successful cell"] };
  const effects = runEffects(results);
  add(effectsChart(effects));
  add(interactionChart(effects));
  add(throughputChart(results, points));
  add(latencyChart(results, points));
  add(curveChart(results, points));
  add(speedupChart(results, points));
  add(stageChart(results, points));
  add(distributionChart(results, points));
  add(usageChart(results, points));
  add(mechanismChart(results, points));
  add(kneeChart(results, points));
  add(timeSeriesChart(results));
  add(eventTimelineChart(results));
  return { charts, omitted };
}

/** Mean throughput at the highest load level, bars per series and cluster size, min–max whiskers. */
function throughputChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart {
  const top = atHighestLoad(points);
  const values = top.map((p) => ({
    ...dims(p),
    mean: round(p.throughput.mean),
    min: round(p.throughput.min),
    max: round(p.throughput.max),
    reps: p.throughput.n,
  }));
  const y = seriesAxis(results);
  const inner = {
    width: 360,
    height: { step: 16 },
    layer: [
      {
        mark: { type: "bar", tooltip: true },
        encoding: {
          y,
          x: { field: "mean", type: "quantitative", title: "throughput (acknowledged ops/s, mean)" },
          color: colorOf(results),
          tooltip: tooltip(["series", "size", "load", "mean", "min", "max", "reps"]),
        },
      },
      {
        mark: { type: "rule", color: "#222" },
        encoding: { y, x: { field: "min", type: "quantitative" }, x2: { field: "max" } },
      },
    ],
  };
  return {
    id: "throughput",
    title: "Throughput by combination and cluster size",
    description: `Mean acknowledged operations per second at ${loadText(top)}; the black whisker spans the minimum and maximum over the repetitions.`,
    spec: faceted("Throughput", `at ${loadText(top)} · bars: mean, whiskers: min–max over repetitions`, values, inner),
  };
}

/** p50, p99 and p99.9 per series on a log scale, one panel per size and load level. */
function latencyChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart {
  const values = points.flatMap((p) =>
    (["p50", "p99", "p999"] as const).map((q) => ({
      ...dims(p, p.loadLabel),
      percentile: q === "p999" ? "p99.9" : q,
      ms: round(spread(p.cells.map((c) => c.latencyMs[q])).mean),
    })),
  );
  const y = seriesAxis(results);
  const x = {
    field: "ms",
    type: "quantitative",
    scale: { type: "log" },
    axis: LOG_AXIS,
    title: "latency (ms, log scale; mean over repetitions)",
  };
  const inner = {
    width: 360,
    height: { step: 14 },
    layer: [
      {
        mark: { type: "rule", color: "#bbb" },
        encoding: { y, x: { ...x, aggregate: "min" }, x2: { field: "ms", aggregate: "max" } },
      },
      {
        mark: { type: "point", filled: true, size: 60, stroke: "#333", strokeWidth: 0.6, tooltip: true },
        encoding: {
          y,
          x,
          color: colorOf(results),
          shape: {
            field: "percentile",
            type: "nominal",
            sort: ["p50", "p99", "p99.9"],
            scale: { range: ["circle", "square", "triangle-right"] },
            title: "percentile",
          },
          tooltip: tooltip(["series", "size", "load", "percentile", "ms"]),
        },
      },
    ],
  };
  return {
    id: "latency",
    title: "Latency percentiles by combination",
    description:
      "p50 (circle), p99 (square) and p99.9 (triangle) of request latency as the client saw it, per load level (rows) and cluster size (columns). Log scale: equal distances are equal ratios.",
    spec: faceted("Latency percentiles", "p50 · p99 · p99.9, ms, log scale", values, inner, rowSort(points, true)),
  };
}

/** Throughput against latency as load rises: one line per series, p50 and p99 in separate rows. */
function curveChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart {
  const values = points.flatMap((p) =>
    (["p50", "p99"] as const).map((q) => ({
      ...dims(p, `${q} latency`),
      level: p.load,
      throughput: round(p.throughput.mean),
      ms: round(p[q].mean),
    })),
  );
  const kind = points.every((p) => p.loadKind === "rate") ? "offered rate" : "connections";
  const encoding = {
    x: { field: "throughput", type: "quantitative", title: "throughput (acknowledged ops/s, mean)" },
    y: { field: "ms", type: "quantitative", scale: { type: "log" }, axis: LOG_AXIS, title: "latency (ms, log scale)" },
    color: colorOf(results),
    order: { field: "level", type: "quantitative" },
    tooltip: tooltip(["series", "size", "load", "throughput", "ms"]),
  };
  const inner = {
    width: 380,
    height: 260,
    layer: [
      { mark: { type: "line", strokeWidth: 1.6 }, encoding },
      { mark: { type: "point", filled: true, size: 45, stroke: "#333", strokeWidth: 0.6, tooltip: true }, encoding },
    ],
  };
  return {
    id: "curves",
    title: "Throughput–latency curves over load levels",
    description: `Each line joins one series' measurements as the load (${kind}) rises; up and to the right means more throughput bought with more latency. A curve further right at the same height is better.`,
    spec: faceted(
      "Throughput vs latency",
      `points are load levels (${kind}); rows: p50 and p99`,
      values,
      inner,
      rowSort(points, false, ["p50 latency", "p99 latency"]),
    ),
  };
}

/** Each series' mean throughput over raftlab `none` at the same size, load and environment. */
function speedupChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  const baseline = new Map(
    points.filter((p) => p.system === RAFTLAB && p.flags === "none").map((p) => [contextKey(p), p]),
  );
  const values = points.flatMap((p) => {
    const base = baseline.get(contextKey(p));
    if (!base || base.throughput.mean <= 0) return [];
    const ratio = p.throughput.mean / base.throughput.mean;
    return [{ ...dims(p), ratio: round(ratio), label: ratioLabel(ratio) }];
  });
  if (values.length === 0) return "speedup over none: the run has no successful `none` cell to compare with";
  return {
    id: "speedup",
    title: "Speedup over none",
    description:
      "Mean throughput of each series divided by raftlab with no optimization (none) at the same cluster size and load level. Orange: faster than none, blue: slower.",
    spec: ratioHeatmap(
      "Speedup over none",
      "mean throughput ÷ mean throughput of none, same size and load",
      seriesOrder(results),
      loadSort(points),
      values,
      "× over none",
    ),
  };
}

export interface RatioCell {
  readonly series: string;
  readonly size: string;
  readonly row: string;
  readonly load: string;
  readonly ratio: number;
  /** The text drawn in the cell. */
  readonly label: string;
}

/** A heatmap of ratios (series × load level, a panel per size), diverging around 1 on a log scale. */
export function ratioHeatmap(
  title: string,
  subtitle: string,
  seriesSort: readonly string[],
  loads: readonly string[],
  values: readonly RatioCell[],
  legend: string,
): VegaLiteSpec {
  const extreme = Math.max(1.1, ...values.map((v) => Math.max(v.ratio, 1 / v.ratio)).filter(Number.isFinite));
  const y = {
    field: "series",
    type: "nominal",
    sort: seriesSort.filter((s) => values.some((v) => v.series === s)),
    title: "combination / system",
  };
  const x = { field: "load", type: "ordinal", sort: loads, title: "load level", axis: { labelAngle: 0 } };
  const inner = {
    width: { step: 78 },
    height: { step: 18 },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          y,
          x,
          color: {
            field: "ratio",
            type: "quantitative",
            title: legend,
            scale: { type: "log", scheme: "blueorange", domainMid: 1, domain: [1 / extreme, extreme] },
          },
          tooltip: tooltip(["series", "size", "row", "load", "ratio"]),
        },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          y,
          x,
          text: { field: "label" },
          color: {
            condition: {
              test: `datum.ratio > ${Math.sqrt(extreme)} || datum.ratio < ${1 / Math.sqrt(extreme)}`,
              value: "white",
            },
            value: "black",
          },
        },
      },
    ],
  };
  return faceted(title, subtitle, values, inner);
}

export function ratioLabel(ratio: number): string {
  return `×${ratio.toFixed(ratio >= 10 ? 1 : 2)}`;
}

/** Leader-side stages at the highest load: queue → replicate (to commit) → apply, stacked. */
function stageChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  const stages = ["queue", "replicate", "apply"] as const;
  const tickLabel = "leader append + fsync done";
  const values = atHighestLoad(points).flatMap((p) => {
    const timed = p.cells.flatMap((c) => (c.stagesMs ? [c.stagesMs] : []));
    if (timed.length === 0) return [];
    const mean = (stage: keyof (typeof timed)[number]) => spread(timed.map((s) => s[stage].mean)).mean;
    const queue = mean("queue");
    return [
      ...stages.map((stage, i) => ({ ...dims(p), stage, order: i, ms: round(mean(stage)) })),
      { ...dims(p), stage: tickLabel, order: 9, ms: round(queue + mean("append")) },
    ];
  });
  if (values.length === 0) return "stage breakdown: no cell carries stage timings (stagesMs)";
  const y = seriesAxis(
    results,
    values.map((v) => v.series),
  );
  const color = {
    field: "stage",
    type: "nominal",
    title: "stage",
    scale: { domain: [...stages, tickLabel], range: ["#bab0ac", "#4c78a8", "#f58518", "#111111"] },
  };
  const inner = {
    width: 360,
    height: { step: 16 },
    layer: [
      {
        transform: [{ filter: `datum.stage !== '${tickLabel}'` }],
        mark: { type: "bar", tooltip: true },
        encoding: {
          y,
          x: { field: "ms", type: "quantitative", stack: "zero", title: "time on the leader (ms, mean)" },
          color,
          order: { field: "order", type: "quantitative" },
          tooltip: tooltip(["series", "size", "stage", "ms"]),
        },
      },
      {
        transform: [{ filter: `datum.stage === '${tickLabel}'` }],
        mark: { type: "tick", thickness: 2, tooltip: true },
        encoding: {
          y,
          x: { field: "ms", type: "quantitative" },
          color,
          tooltip: tooltip(["series", "size", "stage", "ms"]),
        },
      },
    ],
  };
  return {
    id: "stages",
    title: "Where a request's time goes (stage breakdown)",
    description: `Mean time per stage on the leader at ${loadText(atHighestLoad(points))}: queued, then proposal to commit (the quorum round, which contains the leader's own append when parallel append is off), then commit to applied. The black tick marks when the leader's own append + fsync finished; it overlaps the replicate stage, so it is not stacked. Peer systems report no stages.`,
    spec: faceted(
      "Stage breakdown",
      `ms on the leader at ${loadText(atHighestLoad(points))}, mean over repetitions`,
      values,
      inner,
    ),
  };
}

/** HDR percentile plot: latency against 1/(1-p) on a log axis labelled in "nines". */
function distributionChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  const values = points.flatMap((p) => {
    const byPercentile = new Map<number, number[]>();
    for (const c of p.cells) {
      for (const { percentile, ms } of c.percentiles) {
        if (percentile >= 100) continue; // 1/(1-p) is infinite at the maximum
        const list = byPercentile.get(percentile);
        if (list) list.push(ms);
        else byPercentile.set(percentile, [ms]);
      }
    }
    return [...byPercentile].map(([percentile, ms]) => ({
      ...dims(p, p.loadLabel),
      percentile,
      inverse: round(1 / (1 - percentile / 100)),
      ms: round(spread(ms).mean),
    }));
  });
  if (values.length === 0) return "latency distribution: no cell carries percentile points";
  const encoding = {
    x: {
      field: "inverse",
      type: "quantitative",
      scale: { type: "log" },
      title: "percentile",
      axis: {
        values: [1, 2, 10, 100, 1000, 10000, 100000],
        labelExpr: "format(100 - 100 / datum.value, '.3~f') + '%'",
      },
    },
    y: { field: "ms", type: "quantitative", scale: { type: "log" }, axis: LOG_AXIS, title: "latency (ms, log scale)" },
    color: colorOf(results),
    order: { field: "percentile", type: "quantitative" },
    tooltip: tooltip(["series", "size", "load", "percentile", "ms"]),
  };
  return {
    id: "distribution",
    title: "Latency distribution (HDR percentile plot)",
    description:
      "Latency at each percentile, mean over repetitions. The x axis is 1/(1−p) on a log scale, so each step right is one more nine (90 %, 99 %, 99.9 %): the tail is as visible as the median.",
    spec: {
      ...faceted(
        "Latency distribution",
        "ms at each percentile, x: 1/(1−p) on a log scale; each panel has its own latency axis",
        values,
        { width: 380, height: 220, mark: { type: "line", point: true, strokeWidth: 1.4 }, encoding },
        rowSort(points, true),
      ),
      resolve: { scale: { y: "independent" } },
    },
  };
}

/** CPU (cores busy) and event-loop utilization per process role at the highest load level. */
function usageChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  if (results.run.simulated) return "CPU and event-loop utilization: not measured (simulated)";
  const top = atHighestLoad(points);
  const values = top.flatMap((p) => {
    const byRole = new Map<string, { cpu: number[]; elu: number[] }>();
    for (const u of p.cells.flatMap((c) => c.cpu)) {
      const entry = byRole.get(u.role) ?? { cpu: [], elu: [] };
      entry.cpu.push(u.cpu);
      entry.elu.push(u.elu);
      byRole.set(u.role, entry);
    }
    return [...byRole].flatMap(([role, { cpu, elu }]) => [
      { ...dims(p, "CPU (cores)"), role, value: round(spread(cpu).mean) },
      { ...dims(p, "event-loop utilization"), role, value: round(spread(elu).mean) },
    ]);
  });
  if (values.length === 0) return "CPU and event-loop utilization: no cell carries process usage";
  const roles = [...new Set(values.map((v) => v.role))].sort((a, b) => roleRank(a) - roleRank(b) || a.localeCompare(b));
  const y = seriesAxis(
    results,
    values.map((v) => v.series),
  );
  const x = { field: "role", type: "nominal", sort: roles, title: "process role", axis: { labelAngle: 0 } };
  const busiest = Math.max(...values.map((v) => v.value));
  const inner = {
    width: { step: 80 },
    height: { step: 16 },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          y,
          x,
          color: {
            field: "value",
            type: "quantitative",
            title: "busy (1 = one core)",
            scale: { scheme: "greens", domainMin: 0 },
          },
          tooltip: tooltip(["series", "size", "row", "role", "value"]),
        },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: {
          y,
          x,
          text: { field: "value", format: ".2f" },
          color: { condition: { test: `datum.value > ${busiest * 0.6}`, value: "white" }, value: "black" },
        },
      },
    ],
  };
  return {
    id: "usage",
    title: "CPU and event-loop utilization per process",
    description: `At ${loadText(top)}: CPU time per wall second (1.0 = one core) and the fraction of time each process' event loop was busy, averaged over the processes of each role. A leader near 1.0 is CPU-bound; a result with idle processes is bound by the protocol, the disk or the network.`,
    spec: faceted(
      "CPU and event-loop utilization",
      `per process role, at ${loadText(top)}`,
      values,
      inner,
      rowSort(points, false, ["CPU (cores)", "event-loop utilization"]),
    ),
  };
}

// --- factorial effects ------------------------------------------------------------------------------

const VERDICT_COLOR = {
  field: "verdict",
  type: "nominal",
  title: "verdict",
  scale: { domain: ["helps", "hurts", "no effect detected"], range: ["#1b7f3b", "#b00020", "#9a9a9a"] },
};
const METRIC_TITLE: Record<EffectMetric, string> = {
  throughput: "throughput (ops/s)",
  p50: "p50 latency (ms)",
  p99: "p99 latency (ms)",
};

/** A group's long name ("loopback, 3 nodes, 128 conn") one part per line, unrotated. */
const GROUP_HEADER = {
  labelExpr: "split(datum.value, ', ')",
  labelAngle: 0,
  labelAlign: "center",
  labelLimit: 0,
  labelFontSize: 12,
};

function noEffects(effects: RunEffects, chart: string): string {
  return effects.combinations < COMBINATIONS
    ? `${chart}: needs all ${COMBINATIONS} combinations (--flags all-combos); the run has ${effects.combinations}`
    : `${chart}: no group of cells (same size, load level and environment) has all ${COMBINATIONS} combinations succeed`;
}

/** Each flag's main effect and every two-flag interaction as a ratio with its 95 % interval: a panel per metric, a row per group. */
function effectsChart(effects: RunEffects): Chart | string {
  if (effects.groups.length === 0) return noEffects(effects, "effects of the flags");
  const values = effects.groups.flatMap((g) =>
    EFFECT_METRICS.flatMap((metric) =>
      estimates(g, metric).map((e) => ({
        group: groupLabel(g),
        metric: METRIC_TITLE[metric],
        term: e.term.name,
        ratio: round(e.ratio),
        lo: round(e.lo),
        hi: round(e.hi),
        verdict: e.verdict,
        method: methodText(g.analyses[metric]),
      })),
    ),
  );
  const x = { type: "quantitative", scale: { type: "log" }, axis: LOG_AXIS };
  const y = { field: "term", type: "nominal", sort: TERMS.map((t) => t.name), title: null };
  return {
    id: "effects",
    title: "Effects of the flags, with 95 % intervals",
    description:
      "Each flag's main effect and each two-flag interaction as a ratio (log scale) with its 95 % interval, one panel per metric and a row per size, load level and environment. The dashed rule is ×1, no effect: an interval that crosses it detected nothing. Throughput right of it is better, latency left of it is better.",
    spec: {
      $schema: SCHEMA,
      title: {
        text: "Effects of the flags",
        subtitle: "ratio (geometric mean of on ÷ off pairs) · bar: 95 % interval · dashed: ×1",
      },
      data: { values },
      facet: {
        row: {
          field: "group",
          type: "nominal",
          sort: effects.groups.map(groupLabel),
          title: null,
          header: GROUP_HEADER,
        },
        column: { field: "metric", type: "nominal", sort: EFFECT_METRICS.map((m) => METRIC_TITLE[m]), title: null },
      },
      spec: {
        width: 230,
        height: { step: 15 },
        layer: [
          { mark: { type: "rule", color: "#777", strokeDash: [4, 3] }, encoding: { x: { ...x, datum: 1 } } },
          {
            mark: { type: "rule", strokeWidth: 2 },
            encoding: {
              y,
              x: { ...x, field: "lo", title: "ratio (log scale)" },
              x2: { field: "hi" },
              color: VERDICT_COLOR,
            },
          },
          {
            mark: { type: "point", filled: true, size: 50, tooltip: true },
            encoding: {
              y,
              x: { ...x, field: "ratio" },
              color: VERDICT_COLOR,
              tooltip: [...nominal(["term", "verdict", "group", "method"]), ...tooltip(["ratio", "lo", "hi"])],
            },
          },
        ],
      },
      resolve: { scale: { x: "independent" } },
      config: CONFIG,
    },
  };
}

/** The largest two-flag interaction: the metric's geometric mean at each setting of the two flags, a panel per group. */
function interactionChart(effects: RunEffects): Chart | string {
  const largest = largestInteraction(effects);
  if (!largest) return noEffects(effects, "interaction plot");
  const { estimate } = largest;
  const [a, b] = estimate.term.flags as [string, string];
  const values = effects.groups.flatMap((g) =>
    interactionMeans(g, estimate.metric, estimate.term).map((m) => ({
      group: groupLabel(g),
      first: `${a} ${m.first ? "on" : "off"}`,
      second: `${b} ${m.second ? "on" : "off"}`,
      value: round(m.value),
    })),
  );
  const where = groupLabel(largest.group);
  return {
    id: "interaction",
    title: `Interaction: ${a} × ${b} on ${estimate.metric}`,
    description: `The run's largest two-flag interaction: ${estimate.term.name} on ${estimate.metric}, ${ratioLabel(estimate.ratio)} (95 % interval ${ratioLabel(estimate.lo)}–${ratioLabel(estimate.hi)}) at ${where}. Each point is the geometric mean over the four settings of the other two flags; parallel lines (on a log scale) would mean no interaction.`,
    spec: {
      $schema: SCHEMA,
      title: {
        text: `Interaction: ${a} × ${b}`,
        subtitle: `${METRIC_TITLE[estimate.metric]}, geometric mean over the other two flags; parallel lines = no interaction`,
      },
      data: { values },
      facet: {
        column: {
          field: "group",
          type: "nominal",
          sort: effects.groups.map(groupLabel),
          title: null,
          header: GROUP_HEADER,
        },
      },
      spec: {
        width: 220,
        height: 200,
        layer: [
          {
            mark: { type: "line", point: { filled: true, size: 60 }, tooltip: true },
            encoding: {
              x: {
                field: "first",
                type: "ordinal",
                sort: [`${a} off`, `${a} on`],
                title: null,
                axis: { labelAngle: 0 },
              },
              y: {
                field: "value",
                type: "quantitative",
                scale: { type: "log" },
                axis: LOG_AXIS,
                title: METRIC_TITLE[estimate.metric],
              },
              color: {
                field: "second",
                type: "nominal",
                sort: [`${b} off`, `${b} on`],
                title: null,
                scale: { range: ["#4c78a8", "#f58518"] },
              },
              tooltip: [...nominal(["group", "first", "second"]), ...tooltip(["value"])],
            },
          },
        ],
      },
      resolve: { scale: { y: "independent" } },
      config: CONFIG,
    },
  };
}

function nominal(fields: string[]): object[] {
  return fields.map((field) => ({ field, type: "nominal" }));
}

/** The mechanism figures the chart shows, in panel order, with their panel titles. */
export const MECHANISM_FIGURES: readonly (readonly [keyof MechanismSummary, string])[] = [
  ["entriesPerLeaderFsync", "entries / leader fsync"],
  ["entriesPerAppend", "entries / AppendEntries"],
  ["inflightMean", "in flight / follower, mean"],
  ["inflightMax", "in flight / follower, max"],
  ["followerFsyncsPerS", "follower fsyncs / s"],
  ["applyBatchMean", "entries / apply batch"],
  ["queueDepthMean", "proposal queue depth"],
  ["bytesPerWrite", "bytes / leader write"],
];

/** What each optimization did at the highest load: one panel per counter, bars per combination. */
function mechanismChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  const top = atHighestLoad(points);
  const values = top.flatMap((p) => {
    const counted = p.cells.flatMap((c) => (c.mechanism?.summary ? [c.mechanism.summary] : []));
    if (counted.length === 0) return [];
    return MECHANISM_FIGURES.map(([field, label]) => ({
      ...dims(p, label),
      counter: label,
      value: round(spread(counted.map((m) => m[field])).mean),
    }));
  });
  if (values.length === 0)
    return "mechanism counters: no cell carries them (runs before they were recorded, or peer systems only)";
  const inner = {
    width: 300,
    height: { step: 10 },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: {
        ...seriesAxis(
          results,
          values.map((v) => v.series),
        ),
        title: null,
      },
      x: { field: "value", type: "quantitative", title: null },
      color: colorOf(results),
      tooltip: tooltip(["series", "size", "row", "value"]),
    },
  };
  const scenarios = [...new Set(top.map((p) => p.scenario))].sort(compareScenarios);
  const rows = scenarios.flatMap((sc) => MECHANISM_FIGURES.map(([, label]) => [sc, label].filter(Boolean).join(" · ")));
  const spec = faceted(
    "Mechanism counters",
    `the leader's view at ${loadText(top)}, mean over repetitions; one row per counter, each on its own scale`,
    values,
    inner,
    rows,
  );
  // Counter names are long: row headers read horizontally, left of each row.
  const facet = spec.facet as { row: Record<string, unknown> };
  facet.row = { ...facet.row, header: { labelAngle: 0, labelAlign: "left", labelLimit: 190, labelFontSize: 12 } };
  spec.resolve = { scale: { x: "independent" } };
  return {
    id: "mechanism",
    title: "What each optimization did (mechanism counters)",
    description: `Counted on the nodes over the measured window at ${loadText(top)}: how many entries share a leader fsync and an AppendEntries (batch), how many AppendEntries are in flight per follower (pipeline; the max is a power-of-two bucket bound), how often followers fsync, how large apply batches are (async apply), how deep the proposal queue is, and the bytes per write. Each panel has its own scale.`,
    spec,
  };
}

/**
 * Throughput and p99 against each replication knob the run swept (`--max-inflight 1,2,4,16,64`):
 * one line per combination, the knob on a log axis, so the knee (where more stops helping) shows.
 */
function kneeChart(results: Results, points: readonly Point[] = pointsOf(results)): Chart | string {
  const varying = varyingKnobs(results.cells);
  const swept = KNOB_NAMES.filter((k) => varying.includes(k));
  if (swept.length === 0) return "knob sweep: the run swept no replication knob (e.g. --max-inflight 1,2,4,16,64)";
  const multipleLoads = new Set(points.map((p) => p.loadLabel)).size > 1;
  const values = swept.flatMap((k) => {
    const others = varying.filter((v) => v !== k);
    const candidates = points.filter((p) => p.system === RAFTLAB && p.cells[0]![k] !== undefined);
    // Only the environment in which this knob was swept (the others hold their first values there).
    const restOf = (p: Point) => scenarioOf(p.cells[0]!, others);
    const distinct = new Map<string, Set<number>>();
    for (const p of candidates) distinct.set(restOf(p), (distinct.get(restOf(p)) ?? new Set()).add(p.cells[0]![k]!));
    return candidates
      .filter((p) => distinct.get(restOf(p))!.size > 1)
      .flatMap((p) =>
        (["throughput (ops/s)", "p99 (ms)"] as const).map((metric) => ({
          series: p.series,
          size: `${p.size} nodes`,
          row: [KNOB_OPTIONS[k].option, restOf(p), metric, multipleLoads ? p.loadLabel : ""]
            .filter(Boolean)
            .join(" · "),
          load: p.loadLabel,
          knob: p.cells[0]![k]!,
          value: round(metric === "p99 (ms)" ? p.p99.mean : p.throughput.mean),
        })),
      );
  });
  if (values.length === 0) return "knob sweep: no knob has two successful settings in the same environment";
  const encoding = {
    x: {
      field: "knob",
      type: "quantitative",
      scale: { type: "log", base: 2 },
      axis: LOG_AXIS,
      title: "knob value (log scale)",
    },
    y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
    color: colorOf(results),
    tooltip: tooltip(["series", "size", "row", "knob", "value"]),
  };
  const inner = {
    width: 340,
    height: 180,
    layer: [
      { mark: { type: "line", strokeWidth: 1.6 }, encoding },
      { mark: { type: "point", filled: true, size: 40, tooltip: true }, encoding },
    ],
  };
  const spec = faceted(
    "Knob sweep",
    `throughput and p99 (means over repetitions) against ${swept.map((k) => KNOB_OPTIONS[k].option).join(", ")}`,
    values,
    inner,
    [...new Set(values.map((v) => v.row))],
  );
  spec.resolve = { scale: { y: "independent", x: "independent" } };
  return {
    id: "knee",
    title: "Knobs: throughput and p99 against each swept setting",
    description:
      "Each line is a combination measured at every value of a replication knob, the rest of the environment fixed. Where the throughput line flattens (and p99 stops falling or starts rising) is the knee: a larger setting buys nothing more. A flag that is off forces its own value, so its line is flat by construction.",
    spec,
  };
}

/** One cell's label in the time-series selector. */
function cellLabel(c: Results["cells"][number], scenario: string): string {
  const load = c.connections !== null ? `${c.connections} conn` : `${c.rate} req/s`;
  return [c.system === RAFTLAB ? c.flags : c.system, `${c.size} nodes`, load, scenario, `rep ${c.rep}`]
    .filter(Boolean)
    .join(" · ");
}

/**
 * Throughput and p50/p99 per interval of each cell's measured window, one cell at a time (a selector
 * under the chart), so warm-up left-overs, GC pauses and stalls show. Each interval's percentiles
 * come from that interval's own histogram.
 */
function timeSeriesChart(results: Results): Chart | string {
  const varying = varyingKnobs(results.cells);
  const values: Record<string, unknown>[] = [];
  const labels: string[] = [];
  for (const c of results.cells) {
    const s = c.series;
    if (c.status !== "ok" || !s || s.ok.length === 0) continue;
    const label = cellLabel(c, scenarioOf(c, varying));
    labels.push(label);
    s.ok.forEach((ok, i) => {
      const lengthS = Math.max(1e-3, Math.min(s.intervalMs, s.windowMs - i * s.intervalMs) / 1000);
      const t = round(((i + 1) * s.intervalMs) / 1000);
      values.push({ cell: label, t, metric: "throughput", value: round(ok / lengthS), errors: s.errors[i] ?? 0 });
      const p50 = s.p50Ms[i];
      const p99 = s.p99Ms[i];
      if (p50 !== null && p50 !== undefined) values.push({ cell: label, t, metric: "p50", value: p50 });
      if (p99 !== null && p99 !== undefined) values.push({ cell: label, t, metric: "p99", value: p99 });
    });
  }
  if (labels.length === 0) return "time series: no cell carries a per-interval series";
  const interval = results.cells.find((c) => c.series)!.series!.intervalMs;
  const filter = { filter: "datum.cell === cell" };
  const x = { field: "t", type: "quantitative", title: "seconds into the measured window (end of interval)" };
  const spec = {
    $schema: SCHEMA,
    title: {
      text: "Inside a cell: throughput and latency over time",
      subtitle: `per ${interval} ms interval; choose the cell below the chart`,
    },
    data: { values },
    params: [{ name: "cell", value: labels[0], bind: { input: "select", options: labels, name: "cell " } }],
    vconcat: [
      {
        width: 760,
        height: 160,
        transform: [filter, { filter: "datum.metric === 'throughput'" }],
        mark: { type: "area", line: true, opacity: 0.35, interpolate: "step-before", tooltip: true },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: "acknowledged ops/s" },
          tooltip: [
            { field: "t", type: "quantitative" },
            { field: "value", type: "quantitative", title: "ops/s", format: FIGURE_FORMAT },
            { field: "errors", type: "quantitative" },
          ],
        },
      },
      {
        width: 760,
        height: 160,
        transform: [filter, { filter: "datum.metric !== 'throughput'" }],
        mark: { type: "line", point: { size: 12 }, interpolate: "step-before", tooltip: true },
        encoding: {
          x,
          y: {
            field: "value",
            type: "quantitative",
            scale: { type: "log" },
            axis: LOG_AXIS,
            title: "latency (ms, log scale)",
          },
          color: {
            field: "metric",
            type: "nominal",
            title: "percentile",
            scale: { domain: ["p50", "p99"], range: ["#4c78a8", "#e45756"] },
          },
          tooltip: [
            { field: "t", type: "quantitative" },
            { field: "metric", type: "nominal" },
            { field: "value", type: "quantitative", title: "ms", format: FIGURE_FORMAT },
          ],
        },
      },
    ],
    config: CONFIG,
  };
  return {
    id: "timeseries",
    title: "Inside a cell: throughput and latency over time",
    description: `Each cell's measured window in ${interval} ms intervals: acknowledged operations per second (top) and the p50 and p99 of the requests that completed in each interval (bottom). A dip to zero is a stall; a rising start is warm-up the window still caught; a lone p99 spike is a pause. Pick a cell with the selector.`,
    spec,
  };
}

/**
 * Throughput and p99 around each injected event (`bench --event`), timed from the injection (a rule
 * at 0): one row per event, one line per combination and repetition, colored by combination.
 */
function eventTimelineChart(results: Results): Chart | string {
  const values: Record<string, unknown>[] = [];
  const events = new Map<string, number>();
  for (const c of results.cells) {
    if (c.status !== "ok" || c.system !== RAFTLAB) continue;
    for (const e of c.eventCosts ?? []) {
      events.set(e.event, Math.min(events.get(e.event) ?? Infinity, e.injectedAtMs));
      const s = e.series;
      s.ok.forEach((ok, i) => {
        const base = {
          event: e.event,
          series: c.flags,
          rep: c.rep,
          t: round(s.startFromEventMs + (i + 1) * s.intervalMs),
        };
        values.push({ ...base, metric: "throughput (ops/s)", value: round((ok * 1000) / s.intervalMs) });
        const p99 = s.p99Ms[i];
        if (p99 !== null && p99 !== undefined) values.push({ ...base, metric: "p99 (ms)", value: p99 });
      });
    }
  }
  if (events.size === 0) return "event timelines: no cell had events (bench --event)";
  const order = [...events].sort((a, b) => a[1] - b[1]).map(([e]) => e);
  const interval = results.cells.flatMap((c) => c.eventCosts ?? [])[0]!.series.intervalMs;
  const spec = {
    $schema: SCHEMA,
    title: {
      text: "Around each event: throughput and p99",
      subtitle: `per ${interval} ms interval, ms from the injection (the rule); one line per combination and repetition`,
    },
    data: { values },
    facet: {
      row: { field: "event", type: "nominal", sort: order, title: null },
      column: { field: "metric", type: "nominal", sort: ["throughput (ops/s)", "p99 (ms)"], title: null },
    },
    spec: {
      width: 360,
      height: 140,
      layer: [
        {
          mark: { type: "line", interpolate: "step-before", strokeWidth: 1.2, opacity: 0.8 },
          encoding: {
            x: { field: "t", type: "quantitative", title: "ms from the event (end of interval)" },
            y: { field: "value", type: "quantitative", title: null },
            color: colorOf(results),
            detail: { field: "rep", type: "nominal" },
            tooltip: [
              { field: "series", type: "nominal" },
              { field: "rep", type: "nominal" },
              { field: "t", type: "quantitative", title: "ms from the event" },
              { field: "value", type: "quantitative", format: FIGURE_FORMAT },
            ],
          },
        },
        { mark: { type: "rule", color: "#d62728", strokeDash: [4, 3] }, encoding: { x: { datum: 0 } } },
      ],
    },
    resolve: { scale: { y: "independent" } },
    config: CONFIG,
  };
  return {
    id: "event-timelines",
    title: "Around each event: throughput and p99",
    description: `Acknowledged operations per second (left) and the p99 of the requests completed in each ${interval} ms interval (right), from before to after each injected event, which the dashed rule marks. A drop to zero throughput is the stall the event caused; the load is open loop and follows the leader, so the outage is not hidden.`,
    spec,
  };
}

// --- shared pieces -------------------------------------------------------------------------------

/** The fields every data row carries: series, size (the column), row (panel row) and load. */
function dims(p: Point, rowPart = ""): { series: string; size: string; row: string; load: string } {
  return {
    series: p.series,
    size: `${p.size} nodes`,
    row: [p.scenario, rowPart].filter(Boolean).join(" · "),
    load: p.loadLabel,
  };
}

function contextKey(p: Point): string {
  return JSON.stringify([p.size, p.loadKind, p.load, p.scenario]);
}

function faceted(
  title: string,
  subtitle: string,
  values: readonly { size: string; row: string }[],
  inner: object,
  rowOrder?: string[],
): VegaLiteSpec {
  const sizes = [...new Set(values.map((v) => v.size))].sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const rows =
    rowOrder?.filter((r) => values.some((v) => v.row === r)) ?? [...new Set(values.map((v) => v.row))].sort();
  const facet: Record<string, unknown> = { column: { field: "size", type: "ordinal", sort: sizes, title: null } };
  if (rows.length > 1 || (rows.length === 1 && rows[0] !== ""))
    facet.row = { field: "row", type: "nominal", sort: rows, title: null };
  return { $schema: SCHEMA, title: { text: title, subtitle }, data: { values }, facet, spec: inner, config: CONFIG };
}

/** Row panels in a sensible order: scenarios, then load levels ascending (or the given parts). */
function rowSort(points: readonly Point[], byLoad: boolean, parts?: string[]): string[] {
  const scenarios = [...new Set(points.map((p) => p.scenario))].sort(compareScenarios);
  const inner = byLoad ? loadSort(points) : (parts ?? [""]);
  return scenarios.flatMap((s) => inner.map((part) => [s, part].filter(Boolean).join(" · ")));
}

export function loadSort(points: readonly Point[]): string[] {
  const sorted = [...points].sort((a, b) => a.loadKind.localeCompare(b.loadKind) || a.load - b.load);
  return [...new Set(sorted.map((p) => p.loadLabel))];
}

function seriesAxis(results: Results, present?: readonly string[]): object {
  const order = seriesOrder(results).filter((s) => !present || present.includes(s));
  return { field: "series", type: "nominal", sort: order, title: "combination / system" };
}

/** The same series → color mapping in every chart and every run. */
function colorOf(results: Results): object {
  const order = seriesOrder(results);
  const combos = order.filter((s) => !isPeer(results, s));
  const peers = order.filter((s) => isPeer(results, s));
  const range = [
    ...combos.map((c) => COMBO_COLORS[comboIndex(c)] ?? "#999999"),
    ...peers.map((_, i) => PEER_COLORS[i % PEER_COLORS.length]!),
  ];
  return {
    field: "series",
    type: "nominal",
    title: "combination / system",
    scale: { domain: [...combos, ...peers], range },
    legend: { columns: 1, symbolLimit: 0 },
  };
}

function isPeer(results: Results, series: string): boolean {
  return results.cells.some((c) => c.system !== RAFTLAB && c.system === series);
}

/** A combination's bit pattern in flag order (batch = 1, pipeline = 2, parallel-append = 4, async-apply = 8). */
function comboIndex(combo: string): number {
  return combo === "none"
    ? 0
    : combo.split("+").reduce((bits, f) => bits | (1 << FLAG_NAMES.indexOf(f as FlagName)), 0);
}

function roleRank(role: string): number {
  const rank = ["leader", "follower", "loadgen"].indexOf(role);
  return rank === -1 ? 3 : rank;
}

const NOMINAL_FIELDS = new Set(["series", "size", "load", "row", "stage", "role", "percentile"]);

function tooltip(fields: string[]): object[] {
  return fields.map((field) =>
    NOMINAL_FIELDS.has(field) ? { field, type: "nominal" } : { field, type: "quantitative", format: FIGURE_FORMAT },
  );
}

function loadText(points: readonly Point[]): string {
  const labels = [...new Set(points.map((p) => p.loadLabel))];
  return labels.length === 0 ? "no load level" : labels.join(" / ");
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(5)) : x;
}
