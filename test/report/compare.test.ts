import { describe, expect, it } from "vitest";
import { compareRuns, renderComparePage } from "../../bench/report/compare.ts";
import type { Cell } from "../../bench/results.ts";
import { makeCell, makeResults } from "./support/sample-results.ts";

/** Three repetitions of one measurement with the given throughputs (p50 = 100 / throughput ms). */
function reps(flags: string, throughputs: number[], connections = 32): Cell[] {
  return throughputs.map((t, rep) => makeCell({ flags, connections, rep }, t, 100 / t));
}

describe("comparing two runs", () => {
  const a = makeResults(
    [...reps("none", [1000, 1050, 1100]), ...reps("batch", [5000, 5100, 5200]), ...reps("pipeline", [900, 950, 1000])],
    "run-a",
  );
  const b = makeResults(
    [
      ...reps("none", [1080, 1120, 1150]), // +6 %, but the ranges overlap: within the spread
      ...reps("batch", [6000, 6100, 6200]), // +19 %, ranges apart: beyond the spread
      ...reps("pipeline", [950]), // a single repetition: spread unknown
      ...reps("batch", [4000, 4100, 4200], 128), // only in B
    ],
    "run-b",
  );
  const c = compareRuns(a, b);
  const row = (flags: string) => c.matched.find((m) => m.a.flags === flags)!;

  it("computes B/A per matching measurement", () => {
    expect(c.matched).toHaveLength(3);
    expect(row("batch").throughput.ratio).toBeCloseTo(6100 / 5100, 9);
    expect(row("none").throughput.ratio).toBeCloseTo(1116.6666666 / 1050, 6);
    expect(row("batch").p50.ratio).toBeLessThan(1);
  });

  it("calls a difference real only when the min–max ranges of the repetitions do not overlap", () => {
    expect(row("batch").throughput.beyondSpread).toBe(true);
    expect(row("none").throughput.beyondSpread).toBe(false);
    expect(row("pipeline").throughput.beyondSpread).toBeNull();
  });

  it("lists measurements only one run made", () => {
    expect(c.onlyA).toEqual([]);
    expect(c.onlyB).toEqual(["batch, 3 nodes, 128 conn"]);
  });

  it("matches on the environment: a different fsync delay is a different measurement", () => {
    const slowDisk = makeResults(
      reps("none", [500, 510, 520]).map((cell) => ({ ...cell, fsyncDelayUs: 1000 })),
      "run-c",
    );
    expect(compareRuns(a, slowDisk).matched).toHaveLength(0);
    // The run length is not part of the measurement.
    const longer = makeResults(
      reps("none", [1000, 1000, 1000]).map((cell) => ({ ...cell, durationS: 60 })),
      "run-d",
    );
    expect(compareRuns(a, longer).matched).toHaveLength(1);
  });

  it("renders a self-contained page with the ratio heatmap and the table", () => {
    const html = renderComparePage(c);
    expect(html).toContain('id="chart-compare-throughput"');
    expect(html).toContain("×1.20"); // batch 6100/5100
    expect(html).toContain("yes, better");
    expect(html).toContain("Only in B (1)");
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
