// The events table and the timeline chart of an event run (made-up figures, hand-computed medians).

import { describe, expect, it } from "vitest";
import { compareEvents } from "../../bench/report/event-table.ts";
import { renderRunPage } from "../../bench/report/html.ts";
import { runCharts } from "../../bench/report/specs.ts";
import { eventResults, sampleResults } from "./support/sample-results.ts";

describe("events compared across combinations", () => {
  it("gives the median over repetitions per event and combination, events in injection order", () => {
    const rows = compareEvents(eventResults());
    expect(rows.map((r) => `${r.event} ${r.combination}`)).toEqual([
      "kill-leader@2 none",
      "kill-leader@2 batch",
      "kill-leader@2 batch+pipeline+parallel-append+async-apply",
      "pause-follower:1000@6 none",
      "pause-follower:1000@6 batch",
      "pause-follower:1000@6 batch+pipeline+parallel-append+async-apply",
    ]);
    // none's two repetitions stalled 740 and 700 ms (+4 ms from the last success before the kill).
    expect(rows[0]).toEqual({
      event: "kill-leader@2",
      combination: "none",
      reps: 2,
      unavailableMs: { median: 724, min: 704, max: 744 },
      firstSuccessMs: 720,
      throughputBefore: 200,
      throughputAfter: 128, // 200 × (1 − stall / 2000): 126 and 130
      p99BeforeMs: 4.5,
      p99AfterMs: 9,
    });
    expect(rows[2]!.unavailableMs).toEqual({ median: 824, min: 734, max: 914 });
    expect(rows[3]).toMatchObject({ unavailableMs: { median: 9, min: 9, max: 9 }, firstSuccessMs: 1.2 });
  });

  it("draws one timeline row per event, with the event marked by a rule, and tables the costs", () => {
    const chart = runCharts(eventResults()).charts.find((c) => c.id === "event-timelines")!;
    const spec = chart.spec as {
      facet: { row: { sort: string[] } };
      spec: { layer: { mark: { type: string }; encoding: { x: object } }[] };
      data: { values: { event: string; t: number; metric: string }[] };
    };
    expect(spec.facet.row.sort).toEqual(["kill-leader@2", "pause-follower:1000@6"]);
    expect(spec.spec.layer.map((l) => l.mark.type)).toEqual(["line", "rule"]);
    expect(spec.spec.layer[1]!.encoding.x).toEqual({ datum: 0 });
    // 200 intervals of 20 ms from 2 s before: the first ends at −1980 ms, the last at +2000 ms.
    const ts = spec.data.values.filter((v) => v.metric === "throughput (ops/s)").map((v) => v.t);
    expect([Math.min(...ts), Math.max(...ts)]).toEqual([-1980, 2000]);
    expect(renderRunPage(eventResults())).toContain("<h2>What each event cost</h2>");
    expect(renderRunPage(sampleResults())).not.toContain("What each event cost");
  });
});
