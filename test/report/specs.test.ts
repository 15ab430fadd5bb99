import { describe, expect, it } from "vitest";
import { pointsOf } from "../../bench/report/aggregate.ts";
import { renderRunPage } from "../../bench/report/html.ts";
import { MECHANISM_FIGURES, runCharts } from "../../bench/report/specs.ts";
import type { VegaLiteSpec } from "../../src/page/chart.ts";
import { knobSweepResults, makeCell, makeResults, SAMPLE_FAILURES, sampleResults } from "./support/sample-results.ts";

type Row = Record<string, unknown>;

function rowsOf(spec: VegaLiteSpec): Row[] {
  return (spec.data as { values: Row[] }).values;
}

/** Every mark type used in a spec, however deeply layered or faceted. */
function marksOf(spec: unknown): string[] {
  if (typeof spec !== "object" || spec === null) return [];
  const s = spec as Record<string, unknown>;
  const own = s.mark === undefined ? [] : [typeof s.mark === "string" ? s.mark : (s.mark as { type: string }).type];
  return [...own, ...marksOf(s.spec), ...((s.layer as unknown[] | undefined) ?? []).flatMap(marksOf)];
}

describe("run charts from the sample results", () => {
  const results = sampleResults();
  const { charts, omitted } = runCharts(results);
  const byId = new Map(charts.map((c) => [c.id, c]));

  it("produces every chart the report promises, each faceted by cluster size with inline data", () => {
    expect([...byId.keys()]).toEqual([
      "effects",
      "interaction",
      "throughput",
      "latency",
      "curves",
      "speedup",
      "stages",
      "distribution",
      "usage",
      "mechanism",
      "timeseries",
    ]);
    expect(omitted).toEqual([
      "knob sweep: the run swept no replication knob (e.g. --max-inflight 1,2,4,16,64)",
      "event timelines: no cell had events (bench --event)",
    ]);
    for (const chart of charts.filter((c) => !["effects", "interaction"].includes(c.id))) {
      expect(chart.spec.$schema).toMatch(/vega-lite\/v6/);
      expect(rowsOf(chart.spec).length).toBeGreaterThan(0);
      // The time series shows one cell at a time.
      if (chart.id === "timeseries") continue;
      expect((chart.spec.facet as { column: { field: string } }).column.field).toBe("size");
      expect(marksOf(chart.spec).length).toBeGreaterThan(0);
    }
  });

  it("effects: every main effect and two-flag interaction per metric and complete group, with its interval and a rule at ×1", () => {
    const spec = byId.get("effects")!.spec;
    const rows = rowsOf(spec);
    // Three of the sample's six groups (size × load) are complete; 3 metrics × 10 terms each.
    expect(rows).toHaveLength(3 * 3 * 10);
    expect(new Set(rows.map((r) => r.metric))).toEqual(
      new Set(["throughput (ops/s)", "p50 latency (ms)", "p99 latency (ms)"]),
    );
    for (const r of rows) {
      expect(Number(r.lo)).toBeLessThanOrEqual(Number(r.ratio));
      expect(Number(r.hi)).toBeGreaterThanOrEqual(Number(r.ratio));
    }
    const batch = rows.find(
      (r) => r.term === "batch" && r.metric === "throughput (ops/s)" && String(r.group).includes("128 conn"),
    )!;
    expect(batch.verdict).toBe("helps");
    expect(batch.method).toBe("pooled replicate variance, t on 16 d.f.");
    expect(JSON.stringify(spec)).toContain(
      '"x":{"type":"quantitative","scale":{"type":"log"},"axis":{"labelOverlap":"greedy","labelSeparation":6},"datum":1}',
    );
    expect(marksOf(spec)).toEqual(["rule", "rule", "point"]);
  });

  it("interaction: the largest two-flag interaction's four geometric means per complete group", () => {
    const chart = byId.get("interaction")!;
    const rows = rowsOf(chart.spec);
    expect(rows).toHaveLength(3 * 4);
    expect(chart.title).toMatch(/^Interaction: [a-z-]+ × [a-z-]+ on (throughput|p50|p99)$/);
    expect(new Set(rows.map((r) => r.first)).size).toBe(2);
    expect(new Set(rows.map((r) => r.second)).size).toBe(2);
  });

  it("throughput: one bar per series and size at the highest load, with the min–max whiskers", () => {
    const rows = rowsOf(byId.get("throughput")!.spec);
    expect(rows).toHaveLength(17 * 2); // 16 combinations + etcd, sizes 3 and 5
    expect(new Set(rows.map((r) => r.load))).toEqual(new Set(["128 conn"]));
    expect(marksOf(byId.get("throughput")!.spec)).toEqual(["bar", "rule"]);
    for (const r of rows) expect(r.min as number).toBeLessThanOrEqual(r.mean as number);
  });

  it("leaves failed cells out of every figure and keeps them in the failed table", () => {
    const [flags, size, , , error] = SAMPLE_FAILURES[0]!; // batch+async-apply, 5 nodes, 128 conn, rep 1
    const bar = rowsOf(byId.get("throughput")!.spec).find((r) => r.series === flags && r.size === `${size} nodes`)!;
    expect(bar.reps).toBe(1);
    const ok = results.cells.find(
      (c) => c.flags === flags && c.size === size && c.connections === 128 && c.status === "ok",
    )!;
    expect(bar.mean).toBeCloseTo(ok.throughput, 0);
    const html = renderRunPage(results);
    const failedTable = html.slice(html.indexOf('class="failed-cells"'));
    for (const f of SAMPLE_FAILURES) expect(failedTable).toContain(f[4].replace(/"/g, "&quot;"));
    expect(html).toContain(error);
  });

  it("latency: p50, p99 and p99.9 per series, size and load level on a log scale", () => {
    const spec = byId.get("latency")!.spec;
    expect(rowsOf(spec)).toHaveLength(17 * 2 * 3 * 3);
    expect(JSON.stringify(spec)).toContain('"type":"log"');
  });

  it("speedup: none is ×1 against itself and etcd gets its own row", () => {
    const rows = rowsOf(byId.get("speedup")!.spec);
    for (const r of rows.filter((r) => r.series === "none")) expect(r.ratio).toBe(1);
    expect(rows.some((r) => r.series === "etcd")).toBe(true);
  });

  it("stages: raftlab only (peers report none), three stacked stages plus the append tick", () => {
    const rows = rowsOf(byId.get("stages")!.spec);
    expect(rows.some((r) => r.series === "etcd")).toBe(false);
    expect(rows).toHaveLength(16 * 2 * 4);
  });

  it("distribution: x is 1/(1-p), and the 100th percentile (infinite x) is dropped", () => {
    const rows = rowsOf(byId.get("distribution")!.spec);
    expect(rows.every((r) => (r.percentile as number) < 100)).toBe(true);
    const p99 = rows.find((r) => r.percentile === 99)!;
    expect(p99.inverse).toBeCloseTo(100, 6);
  });

  it("gives a series the same color in every chart", () => {
    const domains = charts.flatMap((c) => {
      const m = JSON.stringify(c.spec).match(
        /"field":"series","type":"nominal","title":"combination \/ system","scale":(\{"domain":\[[^\]]*\],"range":\[[^\]]*\]\})/,
      );
      return m ? [m[1]] : [];
    });
    expect(domains.length).toBeGreaterThanOrEqual(4);
    expect(new Set(domains).size).toBe(1);
  });

  it("says which charts a run has no data for instead of drawing empty ones", () => {
    const { series: _series, mechanism: _mechanism, ...older } = makeCell({ flags: "batch" }, 1000, 1);
    const bare = makeResults([{ ...older, stagesMs: null, percentiles: [], cpu: [] }]);
    const { charts, omitted } = runCharts(bare);
    expect(charts.map((c) => c.id)).toEqual(["throughput", "latency", "curves"]);
    expect(omitted.join("\n")).toMatch(
      /effects of the flags: needs all 16 combinations.*the run has 1.*interaction plot.*none.*stagesMs.*percentile.*process usage.*mechanism counters.*time series/s,
    );
  });

  it("mechanism: one bar per counter, series and size at the highest load, each panel on its own scale", () => {
    const spec = byId.get("mechanism")!.spec;
    const rows = rowsOf(spec);
    expect(rows).toHaveLength(16 * 2 * MECHANISM_FIGURES.length); // raftlab only: etcd counts nothing
    expect(new Set(rows.map((r) => r.load))).toEqual(new Set(["128 conn"]));
    const perFsync = (series: string) =>
      rows.find((r) => r.series === series && r.size === "3 nodes" && r.counter === "entries / leader fsync")!.value;
    expect(perFsync("none")).toBe(1);
    expect(perFsync("batch")).toBeGreaterThan(1);
    expect(spec.resolve).toEqual({ scale: { x: "independent" } });
  });

  it("timeseries: every ok cell's intervals behind a selector, throughput per second and percentiles per interval", () => {
    const spec = byId.get("timeseries")!.spec;
    const rows = rowsOf(spec);
    const ok = results.cells.filter((c) => c.status === "ok");
    const options = (spec.params as { bind: { options: string[] } }[])[0]!.bind.options;
    expect(options).toHaveLength(ok.length);
    expect(new Set(rows.map((r) => r.cell)).size).toBe(ok.length);
    const cell = ok[0]!;
    const mine = rows.filter((r) => r.cell === options[0] && r.metric === "throughput");
    expect(mine).toHaveLength(cell.series!.ok.length);
    // ops per 100 ms interval, shown per second.
    expect(mine[0]!.value).toBeCloseTo(cell.series!.ok[0]! * 10, 5);
    // A stalled interval has throughput 0 and no percentile point.
    const stalled = mine.findIndex((r) => r.value === 0);
    expect(stalled).toBeGreaterThan(0);
    expect(rows.some((r) => r.cell === options[0] && r.metric === "p99" && r.t === mine[stalled]!.t)).toBe(false);
  });

  it("groups repetitions into one point per measurement", () => {
    const points = pointsOf(results);
    expect(points).toHaveLength(17 * 2 * 3); // no measurement lost both repetitions
    expect(points.filter((p) => p.throughput.n === 1)).toHaveLength(SAMPLE_FAILURES.length);
  });
});

describe("knob sweep chart", () => {
  it("draws throughput and p99 against each swept knob, one line per combination, on a log axis", () => {
    const results = knobSweepResults();
    const chart = runCharts(results).charts.find((c) => c.id === "knee")!;
    const rows = rowsOf(chart.spec);
    expect(rows).toHaveLength(3 * 2 * 5 * 2); // combinations × sizes × settings × (throughput, p99)
    expect(new Set(rows.map((r) => r.row))).toEqual(
      new Set(["--max-inflight · throughput (ops/s)", "--max-inflight · p99 (ms)"]),
    );
    const line = rows.filter(
      (r) => r.series === "pipeline" && r.size === "3 nodes" && r.row === "--max-inflight · throughput (ops/s)",
    );
    expect(line.map((r) => r.knob)).toEqual([1, 2, 4, 16, 64]);
    expect(line[2]!.value).toBeGreaterThan(line[0]!.value as number);
    expect(line[4]!.value).toBe(line[2]!.value); // past the knee
    expect(JSON.stringify(chart.spec)).toContain('"type":"log","base":2');
    // The knob is part of each measurement: one point per setting, and the scenario names it.
    expect(
      pointsOf(results)
        .filter((p) => p.series === "pipeline" && p.size === 3)
        .map((p) => p.scenario),
    ).toEqual(["inflight 1", "inflight 2", "inflight 4", "inflight 16", "inflight 64"]);
  });

  it("is left out, with the reason, when no knob was swept", () => {
    expect(runCharts(sampleResults()).omitted.join("\n")).toMatch(/knob sweep: the run swept no replication knob/);
  });
});
