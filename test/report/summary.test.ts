import { describe, expect, it } from "vitest";
import { renderRunPage } from "../../bench/report/html.ts";
import { summarize } from "../../bench/report/summary.ts";
import type { Cell, CellConfig } from "../../bench/results.ts";
import { allCombos, type Flags, formatFlags } from "../../src/core/flags.ts";
import { makeCell, makeResults, sampleResults } from "./support/sample-results.ts";

const REP_NOISE = [0.97, 1, 1.03]; // three repetitions, ±3 %

/** Every combination at 1 and 128 connections, 3 reps; throughput = 1000 × factor(flags), p50 = 1000 / throughput. */
function grid(factor: (f: Flags) => number, knobs: Partial<CellConfig> = {}): Cell[] {
  return allCombos().flatMap((flags) =>
    [1, 128].flatMap((connections) =>
      REP_NOISE.map((noise, rep) => {
        const throughput = 1000 * factor(flags) * noise;
        return makeCell({ ...knobs, flags: formatFlags(flags), connections, rep }, throughput, 1000 / throughput);
      }),
    ),
  );
}

/** Fewer than the sixteen combinations (all four flags left out): the literature is checked pair by pair. */
const pairwiseOnly = (cells: Cell[]) => cells.filter((c) => c.flags !== "batch+pipeline+parallel-append+async-apply");

// batch ×3 (clear win), pipeline ×0.8 (clear loss), parallel-append ×1.01 (inside the ±3 % noise), async-apply ×1.
const constructed = (f: Flags) => (f.batch ? 3 : 1) * (f.pipeline ? 0.8 : 1) * (f.parallelAppend ? 1.01 : 1);

describe("the flag summary", () => {
  const summary = summarize(makeResults(grid(constructed)));
  const effect = (flag: string) => summary.effects.find((e) => e.flag === flag)!;
  const line = (flag: string) => summary.lines[summary.effects.indexOf(effect(flag))]!;

  it("compares every pair of combinations differing in one flag: 8 pairs × 2 load levels", () => {
    for (const e of summary.effects) expect(e.pairs).toHaveLength(16);
    expect(effect("batch").throughput.median).toBeCloseTo(3, 6);
    expect(effect("batch").p50.median).toBeCloseTo(1 / 3, 6);
  });

  it("says a flag helps when every pair improves beyond the spread", () => {
    expect(effect("batch").verdict).toBe("helps");
    expect(effect("batch").throughput.better).toBe(16);
    expect(line("batch").head).toBe("batch, 3 nodes: helps.");
    expect(line("batch").figures).toContain(
      "Throughput ×3.00 median over 16 pairs (×3.00 at 1 conn, ×3.00 at 128 conn)",
    );
  });

  it("says plainly that a flag hurts", () => {
    expect(effect("pipeline").verdict).toBe("hurts");
    expect(line("pipeline").head).toBe("pipeline, 3 nodes: HURTS.");
    expect(line("pipeline").figures).toContain("lower in 16");
  });

  it("calls a change inside the spread of repetitions no difference", () => {
    expect(effect("parallel-append").verdict).toBe("no difference");
    expect(effect("parallel-append").throughput.median).toBeCloseTo(1.01, 6);
    expect(line("parallel-append").head).toContain("no difference beyond the spread of repetitions");
    expect(effect("async-apply").verdict).toBe("no difference");
  });

  it("cannot tell with a single repetition, and says so", () => {
    const single = grid(constructed).filter((c) => c.rep === 0);
    const s = summarize(makeResults(single));
    expect(s.effects.every((e) => e.verdict === "unknown")).toBe(true);
    expect(s.lines[0]!.head).toContain("cannot tell");
  });

  it("checks batching against the literature: the largest win on loopback", () => {
    const check = summarize(makeResults(pairwiseOnly(grid(constructed)))).checks.find((c) => c.flag === "batch")!;
    expect(check.outcome).toBe("agrees");
    expect(check.detail).toContain("batch ×3.00");
  });

  it("does not call a single-repetition run a disagreement with the literature", () => {
    const single = pairwiseOnly(grid(constructed)).filter((c) => c.rep === 0);
    const check = summarize(makeResults(single)).checks.find((c) => c.flag === "batch")!;
    expect(check.outcome).toBe("cannot tell");
    expect(check.detail).toContain("batch ×3.00");
  });

  it("reports a disagreement with the literature instead of hiding it", () => {
    // Pipelining under 5 ms of network delay, but it makes no difference here.
    const s = summarize(makeResults(pairwiseOnly(grid((f) => (f.batch ? 3 : 1), { netDelayMs: 5 }))));
    const check = s.checks.find((c) => c.flag === "pipeline")!;
    expect(check.outcome).toBe("disagrees");
    expect(check.detail).toContain("no difference beyond the spread");
    // And batching is not tested without a loopback environment.
    expect(s.checks.find((c) => c.flag === "batch")!.outcome).toBe("not tested");
  });

  it("checks parallel append's saving against the cost of one fsync", () => {
    // fsync +2 ms: the fixture's append stage is 2.12 ms; parallel append cuts p50 from 2.5 ms to 0.5 ms.
    const cells = grid((f) => (f.parallelAppend ? 5 : 1) * (f.batch ? 3 : 1), { fsyncDelayUs: 2000 }).map((c) =>
      c.connections === 1
        ? { ...c, latencyMs: { ...c.latencyMs, p50: c.flags.includes("parallel-append") ? 0.5 : 2.5 } }
        : c,
    );
    const check = summarize(makeResults(pairwiseOnly(cells))).checks.find((c) => c.flag === "parallel-append")!;
    expect(check.outcome).toBe("agrees");
    expect(check.detail).toContain("p50 lower by 2 ms at 1 conn, leader append + fsync 2.12 ms");
  });

  it("shows the correctness column only when the run carries verdicts", () => {
    const sample = sampleResults();
    expect(renderRunPage(sample)).toContain("<th>correctness</th>");
    const { correctness: _, ...without } = sample;
    expect(renderRunPage(without)).not.toContain("<th>correctness</th>");
  });
});
