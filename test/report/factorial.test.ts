// The 2⁴ factorial statistics on synthetic designs: effects, Lenth's PSE by hand, and the intervals'
// calibration on pure noise over many seeded designs.
// Replay: RAFTLAB_EFFECTS_SEED=<base seed printed below> (design i uses base + i).

import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { describe, expect, it } from "vitest";
import { analyseFactorial, COMBINATIONS, contrast, lenthPse, TERMS } from "../../bench/report/factorial.ts";
import { seededRng } from "../../src/core/rng.ts";
import { gaussian, termSign } from "./support/planted.ts";

const BASE_SEED = Number(process.env.RAFTLAB_EFFECTS_SEED ?? 20_260_301);

/** Combination means whose fifteen effects are exactly `effects` (by term name; others 0), around `mu`. */
function designWithEffects(effects: Record<string, number>, mu = 0): number[] {
  return Array.from({ length: COMBINATIONS }, (_, combo) =>
    TERMS.reduce((y, t) => y + ((effects[t.name] ?? 0) / 2) * termSign(t.bits, combo), mu),
  );
}

describe("2⁴ factorial effects", () => {
  it("lists the fifteen terms in flag order: mains, then pairs, triples, the quadruple", () => {
    expect(TERMS.map((t) => t.name)).toEqual([
      "batch",
      "pipeline",
      "parallel-append",
      "async-apply",
      "batch:pipeline",
      "batch:parallel-append",
      "batch:async-apply",
      "pipeline:parallel-append",
      "pipeline:async-apply",
      "parallel-append:async-apply",
      "batch:pipeline:parallel-append",
      "batch:pipeline:async-apply",
      "batch:parallel-append:async-apply",
      "pipeline:parallel-append:async-apply",
      "batch:pipeline:parallel-append:async-apply",
    ]);
  });

  it("a main effect is mean(on) − mean(off); an interaction is half the difference of conditional effects", () => {
    const rng = seededRng(BASE_SEED);
    const means = Array.from({ length: COMBINATIONS }, () => rng.next());
    const on = means.filter((_, c) => (c & 1) !== 0);
    const off = means.filter((_, c) => (c & 1) === 0);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(contrast(means, 1)).toBeCloseTo(avg(on) - avg(off), 12);
    // batch's effect with pipeline on and with it off; batch:pipeline is half their difference.
    const batchGiven = (pipe: number) =>
      avg(means.filter((_, c) => (c & 3) === (1 | pipe))) - avg(means.filter((_, c) => (c & 3) === pipe));
    expect(contrast(means, 3)).toBeCloseTo((batchGiven(2) - batchGiven(0)) / 2, 12);
  });

  it("Lenth's PSE and margin on a design with two active flags and their interaction, computed by hand", () => {
    // batch 1.0, pipeline 0.6, batch:pipeline 0.4; the twelve other effects ±0.01 … ±0.12.
    // By hand: |c| sorted = 0.01 … 0.12, 0.4, 0.6, 1.0; median (8th of 15) = 0.08, s₀ = 1.5 · 0.08 = 0.12;
    // 2.5 s₀ = 0.30 keeps the twelve small ones; their median = (0.06 + 0.07)/2 = 0.065;
    // PSE = 1.5 · 0.065 = 0.0975; margin = t(0.975; 5) · PSE = 2.570582 · 0.0975 = 0.250632.
    const planted: Record<string, number> = { batch: 1.0, pipeline: 0.6, "batch:pipeline": 0.4 };
    TERMS.filter((t) => !(t.name in planted)).forEach(
      (t, i) => (planted[t.name] = (i % 2 === 0 ? 1 : -1) * 0.01 * (i + 1)),
    );
    const means = designWithEffects(planted, 3);
    const analysis = analyseFactorial(means.map((m) => [m]));
    expect(analysis.method).toBe("lenth");
    expect(analysis.df).toBe(5);
    expect(lenthPse(TERMS.map((t) => planted[t.name]!))).toBeCloseTo(0.0975, 12);
    expect(analysis.se).toBeCloseTo(0.0975, 12);
    expect(tQuantile(0.975, 5)).toBeCloseTo(2.570582, 6);
    for (const e of analysis.estimates) {
      expect(e.effect).toBeCloseTo(planted[e.term.name]!, 12);
      expect(e.margin).toBeCloseTo(0.250632, 5);
    }
    const detected = analysis.estimates.filter((e) => Math.abs(e.effect) > e.margin).map((e) => e.term.name);
    expect(detected).toEqual(["batch", "pipeline", "batch:pipeline"]);
  });

  it("with replicates, uses the pooled within-combination variance on Σ(n − 1) degrees of freedom", () => {
    // Two repetitions per combination at ±0.1 around the mean: s² = 16 · 2 · 0.01 / 16 = 0.02 on 16
    // d.f.; Var(effect) = s²/64 · 16/2 = 0.0025, se = 0.05.
    const values = Array.from({ length: COMBINATIONS }, (_, c) => [c / 10 + 0.1, c / 10 - 0.1]);
    const analysis = analyseFactorial(values);
    expect(analysis.method).toBe("replicates");
    expect(analysis.df).toBe(16);
    expect(analysis.se).toBeCloseTo(0.05, 12);
    expect(analysis.estimates[0]!.margin).toBeCloseTo(tQuantile(0.975, 16) * 0.05, 12);
  });

  it("refuses a design with a combination missing", () => {
    const values: number[][] = Array.from({ length: COMBINATIONS }, () => [1]);
    values[5] = [];
    expect(() => analyseFactorial(values)).toThrow(/all 16 combinations/);
  });
});

describe("calibration on pure noise", () => {
  const DESIGNS = 400;
  const rate = (reps: number): { falsePositive: number; tests: number } => {
    let positives = 0;
    for (let d = 0; d < DESIGNS; d++) {
      const rng = seededRng(BASE_SEED + d);
      const values = Array.from({ length: COMBINATIONS }, () =>
        Array.from({ length: reps }, () => 0.05 * gaussian(rng)),
      );
      positives += analyseFactorial(values).estimates.filter((e) => Math.abs(e.effect) > e.margin).length;
    }
    return { falsePositive: positives / (DESIGNS * TERMS.length), tests: DESIGNS * TERMS.length };
  };
  // Three binomial standard errors of a 5 % rate over 6000 tests: ±0.84 %.
  const tolerance = (tests: number) => 3 * Math.sqrt((0.05 * 0.95) / tests);

  it(`Lenth's method declares an effect in at most about 5 % of null terms (${DESIGNS} designs × 15)`, () => {
    const { falsePositive, tests } = rate(1);
    console.log(
      `effects calibration seeds ${BASE_SEED}..${BASE_SEED + DESIGNS - 1} (replay with RAFTLAB_EFFECTS_SEED=${BASE_SEED}): Lenth false-positive rate ${(falsePositive * 100).toFixed(2)} %`,
    );
    expect(falsePositive).toBeLessThanOrEqual(0.05 + tolerance(tests));
    // Conservative at m = 15, but not blind: an interval that never excluded 0 would also pass above.
    expect(falsePositive).toBeGreaterThan(0.01);
  });

  it(`the replicate method's rate is 5 % within binomial tolerance (${DESIGNS} designs × 15, 2 reps)`, () => {
    const { falsePositive, tests } = rate(2);
    console.log(
      `effects calibration seeds ${BASE_SEED}..${BASE_SEED + DESIGNS - 1} (replay with RAFTLAB_EFFECTS_SEED=${BASE_SEED}): replicate false-positive rate ${(falsePositive * 100).toFixed(2)} %`,
    );
    expect(Math.abs(falsePositive - 0.05)).toBeLessThanOrEqual(tolerance(tests));
  });
});
