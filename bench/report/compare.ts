// Comparing two runs: for every measurement both runs made (same system, combination, size, load
// level and environment knobs; the run length may differ), the ratio B/A of throughput, p50 and
// p99, and whether the difference exceeds the spread of the repetitions.
//
// The rule: a difference is real when the min–max intervals of the two runs' repetitions do not
// overlap. It is deliberately conservative (with few repetitions a real 5 % change may read as
// noise) and undefined with a single repetition on either side, which the page says as "unknown".

import type { Chart } from "../../src/page/chart.ts";
import { chartSection, escapeHtml, htmlPage, htmlTable, type TableCell } from "../../src/page/page.ts";
import type { Results, Run } from "../results.ts";
import { differsBeyondSpread, type Point, pointsOf, type Spread, seriesOrder } from "./aggregate.ts";
import { loadSort, ratioHeatmap, ratioLabel } from "./specs.ts";

export interface MetricComparison {
  readonly a: Spread;
  readonly b: Spread;
  /** mean(B) / mean(A). */
  readonly ratio: number;
  /** Min–max intervals do not overlap; null with a single repetition on a side. */
  readonly beyondSpread: boolean | null;
}

export interface CellComparison {
  readonly a: Point;
  readonly b: Point;
  readonly throughput: MetricComparison;
  readonly p50: MetricComparison;
  readonly p99: MetricComparison;
}

export interface Comparison {
  readonly a: Results;
  readonly b: Results;
  readonly matched: readonly CellComparison[];
  /** Measurements only one run made, as `series, size, load`. */
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
}

export function compareRuns(a: Results, b: Results): Comparison {
  const pointsA = pointsOf(a);
  const pointsB = new Map(pointsOf(b).map((p) => [p.key, p]));
  const matched: CellComparison[] = [];
  const onlyA: string[] = [];
  for (const pa of pointsA) {
    const pb = pointsB.get(pa.key);
    if (!pb) {
      onlyA.push(describe(pa));
      continue;
    }
    pointsB.delete(pa.key);
    matched.push({
      a: pa,
      b: pb,
      throughput: metric(pa.throughput, pb.throughput),
      p50: metric(pa.p50, pb.p50),
      p99: metric(pa.p99, pb.p99),
    });
  }
  return { a, b, matched, onlyA, onlyB: [...pointsB.values()].map(describe) };
}

function metric(a: Spread, b: Spread): MetricComparison {
  return { a, b, ratio: b.mean / a.mean, beyondSpread: differsBeyondSpread(a, b) };
}

function describe(p: Point): string {
  return [p.series, `${p.size} nodes`, p.loadLabel, p.scenario].filter(Boolean).join(", ");
}

/** A self-contained page: both runs' headers, a throughput-ratio heatmap and a table of every ratio. */
export function renderComparePage(c: Comparison): string {
  const title = `raftlab comparison: ${c.b.run.id} vs ${c.a.run.id}`;
  const chart = ratioChart(c);
  const body = `
<h1>${escapeHtml(title)}</h1>
<p class="subtitle">Ratios are B ÷ A, with A = ${escapeHtml(c.a.run.id)} and B = ${escapeHtml(c.b.run.id)}. ${c.matched.length} measurements in common.
A difference counts as beyond the spread only when the min–max ranges of the two runs' repetitions do not overlap; with a single repetition on a side it is unknown.</p>
<h2>The two runs</h2>
${runsTable(c.a.run, c.b.run)}
${chart ? chartSection(chart) : ""}
<h2>Every measurement in common</h2>
<div class="scroll">${ratioTable(c)}</div>
${unmatched("Only in A", c.onlyA)}
${unmatched("Only in B", c.onlyB)}
`;
  return htmlPage({ title, body, charts: chart !== null });
}

function ratioChart(c: Comparison): Chart | null {
  if (c.matched.length === 0) return null;
  const values = c.matched.map(({ a, throughput }) => ({
    series: a.series,
    size: `${a.size} nodes`,
    row: a.scenario,
    load: a.loadLabel,
    ratio: Number(throughput.ratio.toPrecision(5)),
    label:
      throughput.beyondSpread === false
        ? `(${ratioLabel(throughput.ratio)})`
        : ratioLabel(throughput.ratio) + (throughput.beyondSpread === null ? "?" : ""),
  }));
  const order = seriesOrder({ ...c.a, cells: [...c.a.cells, ...c.b.cells] });
  return {
    id: "compare-throughput",
    title: "Throughput, B ÷ A",
    description:
      "Orange: B is faster, blue: B is slower. A ratio in parentheses is within the spread of the repetitions; a ratio marked ? has a single repetition on a side.",
    spec: ratioHeatmap(
      "Throughput ratio",
      "mean throughput of B ÷ mean throughput of A",
      order,
      loadSort(c.matched.map((m) => m.a)),
      values,
      "B ÷ A",
    ),
  };
}

function runsTable(a: Run, b: Run): string {
  const fields: [string, (r: Run) => unknown][] = [
    ["id", (r) => r.id],
    ["started", (r) => r.startedAt],
    ["commit", (r) => r.commit],
    ["simulated", (r) => (r.simulated ? `yes: ${JSON.stringify(r.model)}` : "no, measured")],
    ["CPU", (r) => `${r.machine.cpuModel} × ${r.machine.cores}`],
    ["host", (r) => r.machine.hostname],
    ["kernel", (r) => r.machine.kernel],
    ["node", (r) => r.machine.node],
    ["options", (r) => JSON.stringify(r.options)],
  ];
  const rows = fields.map(([name, get]): TableCell[] => {
    const va = String(get(a) ?? "–");
    const vb = String(get(b) ?? "–");
    return [name, va, va === vb ? vb : { html: `<strong>${escapeHtml(vb)}</strong>` }];
  });
  return htmlTable(["", "A", "B (bold where it differs)"], rows);
}

function ratioTable(c: Comparison): string {
  const rows = c.matched.map(({ a, throughput, p50, p99 }): TableCell[] => [
    a.series,
    a.size,
    a.loadLabel,
    a.scenario || null,
    throughput.a.mean,
    throughput.b.mean,
    ...ratioCells(throughput, true),
    p50.a.mean,
    p50.b.mean,
    ...ratioCells(p50, false),
    p99.a.mean,
    p99.b.mean,
    ...ratioCells(p99, false),
  ]);
  const headers = [
    "series",
    "size",
    "load",
    "environment",
    "throughput A",
    "throughput B",
    "B/A",
    "beyond spread",
    "p50 A (ms)",
    "p50 B",
    "B/A",
    "beyond spread",
    "p99 A (ms)",
    "p99 B",
    "B/A",
    "beyond spread",
  ];
  return htmlTable(headers, rows, "comparison");
}

function ratioCells(m: MetricComparison, higherIsBetter: boolean): TableCell[] {
  const better = m.ratio > 1 === higherIsBetter;
  const beyond: TableCell =
    m.beyondSpread === null
      ? "unknown"
      : m.beyondSpread
        ? { html: better ? "yes, better" : "yes, worse", className: better ? "good" : "failed" }
        : "no";
  return [{ html: escapeHtml(ratioLabel(m.ratio)), className: "num" }, beyond];
}

function unmatched(title: string, list: readonly string[]): string {
  return list.length
    ? `<h2>${escapeHtml(title)} (${list.length})</h2><ul>${list.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`
    : "";
}
