// End to end: generated pages opened in headless Chromium from file://, offline, render every chart.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareRuns, renderComparePage } from "../../bench/report/compare.ts";
import { renderRunPage } from "../../bench/report/html.ts";
import { runCharts } from "../../bench/report/specs.ts";
import { writeRunReport } from "../../bench/report/write.ts";
import { countClass, renderedDom } from "./support/chromium.ts";
import { eventResults, knobSweepResults, sampleResults } from "./support/sample-results.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "raftlab-render-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("reports in a browser", () => {
  it("renders every chart of a run's page to SVG, with no Vega error or warning", async () => {
    const results = sampleResults();
    await writeRunReport(dir, results);
    const dom = await renderedDom(join(dir, "index.html"));
    const expected = runCharts(results).charts.length;
    expect(expected).toBe(11);
    expect(countClass(dom, "chart")).toBe(expected);
    expect(countClass(dom, "marks")).toBe(expected); // vega's <svg class="marks">, one per chart
    expect(countClass(dom, "chart-error")).toBe(0);
    expect(countClass(dom, "chart-warning")).toBe(0);
  });

  it("renders a knob sweep's page, knee chart included", async () => {
    const results = knobSweepResults();
    const knobs = join(dir, "knobs");
    await writeRunReport(knobs, results);
    const dom = await renderedDom(join(knobs, "index.html"));
    const ids = runCharts(results).charts.map((c) => c.id);
    expect(ids).toContain("knee");
    expect(countClass(dom, "marks")).toBe(ids.length);
    expect(countClass(dom, "chart-error")).toBe(0);
    expect(countClass(dom, "chart-warning")).toBe(0);
  });

  it("renders an event run's page: the timelines around each event and the comparison table", async () => {
    const results = eventResults();
    const events = join(dir, "events");
    await writeRunReport(events, results);
    const dom = await renderedDom(join(events, "index.html"));
    const ids = runCharts(results).charts.map((c) => c.id);
    expect(ids).toContain("event-timelines");
    expect(countClass(dom, "marks")).toBe(ids.length);
    expect(countClass(dom, "chart-error")).toBe(0);
    expect(countClass(dom, "chart-warning")).toBe(0);
    expect(dom).toContain("What each event cost");
  });

  it("renders the comparison page's heatmap", async () => {
    const a = sampleResults(1);
    const b = sampleResults(2);
    const file = join(dir, "compare.html");
    await writeFile(file, renderComparePage(compareRuns(a, b)));
    const dom = await renderedDom(file);
    expect(countClass(dom, "marks")).toBe(1);
    expect(countClass(dom, "chart-error")).toBe(0);
  });

  it("shows a chart that fails to render as an error on the page", async () => {
    const file = join(dir, "broken.html");
    // The first chart's spec made one vega-lite cannot compile: an unknown mark type.
    await writeFile(
      file,
      renderRunPage(sampleResults()).replace('"mark":{"type":"bar"', '"mark":{"type":"no-such-mark"'),
    );
    const dom = await renderedDom(file);
    expect(countClass(dom, "chart-error")).toBe(1);
    expect(dom).toContain("This chart failed to render");
  });
});
