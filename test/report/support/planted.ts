// TEST FIXTURE: synthetic 2⁴ factorial runs with planted multiplicative effects and seeded lognormal
// noise. Every figure is made up by the model below; none is a measurement.

import { TERMS } from "../../../bench/report/factorial.ts";
import type { Cell, CellConfig } from "../../../bench/results.ts";
import { allCombos, formatFlags } from "../../../src/core/flags.ts";
import { type Rng, seededRng } from "../../../src/core/rng.ts";
import { makeCell } from "./sample-results.ts";

/** A standard normal variate by Box–Muller from the seeded generator. */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** +1 when the combination `combo` has an even number of the term's flags off, else −1. */
export function termSign(bits: number, combo: number): number {
  let s = 1;
  for (let i = 0; 1 << i <= bits; i++) if ((bits & (1 << i)) !== 0 && (combo & (1 << i)) === 0) s = -s;
  return s;
}

/**
 * The sixteen combinations × `reps` at 128 connections: log throughput = log 2000 + Σ (log ratio / 2) · sign
 * + N(0, σ²) per cell, `planted` giving each term's ratio by name (absent: 1); p50 = 128 connections ÷
 * throughput with its own noise, so its ratios are the inverses.
 */
export function plantedCells(
  planted: Readonly<Record<string, number>>,
  seed: number,
  reps: number,
  sigma: number,
  config: Partial<CellConfig> = {},
): Cell[] {
  const rng = seededRng(seed);
  return allCombos()
    .map(formatFlags)
    .flatMap((flags, combo) => {
      const logMean = TERMS.reduce(
        (y, t) => y + (Math.log(planted[t.name] ?? 1) / 2) * termSign(t.bits, combo),
        Math.log(2000),
      );
      return Array.from({ length: reps }, (_, rep) => {
        const throughput = Math.exp(logMean + sigma * gaussian(rng));
        return makeCell(
          { size: 3, connections: 128, ...config, flags, rep },
          throughput,
          (128 / throughput) * 1000 * Math.exp(sigma * gaussian(rng)),
        );
      });
    });
}
