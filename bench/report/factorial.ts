// The statistics of a full 2⁴ factorial design (the four flags, each off or on): every main effect
// and interaction estimated from the sixteen combinations, with a confidence interval by one of two
// standard design-of-experiments methods. Pure and scale-free: the caller passes logs, so an effect
// here is a difference of mean logs and exp(effect) a ratio.
//
// Effect of a term (Box, Hunter & Hunter, "Statistics for Experimenters", ch. 5): the mean of the
// eight combinations where the term's sign is + minus the mean of the eight where it is −, the sign of
// a combination being the product over the term's flags of +1 (on) / −1 (off). For a main effect that
// is mean(on) − mean(off), so exp(effect) is the geometric mean of the eight on ÷ off ratios of the
// pairs that differ only in that flag. For a two-flag interaction A:B it is half the difference
// between A's effect with B on and A's effect with B off, so exp(effect)² is the ratio of A's ratio
// with B on to A's ratio with B off.
//
// Intervals:
// - replicates (every combination measured at least twice): the pooled within-combination variance s²
//   with Σ(nᵢ − 1) degrees of freedom; Var(effect) = s²/64 · Σ 1/nᵢ; t quantile on those d.f.;
// - unreplicated: Lenth's pseudo standard error (R. V. Lenth, "Quick and easy analysis of unreplicated
//   factorials", Technometrics 31 (1989) 469–473) over the m = 15 effects: s₀ = 1.5 · median|cⱼ|,
//   PSE = 1.5 · median{|cⱼ| : |cⱼ| < 2.5 s₀}, margin t(0.975; m/3 = 5 d.f.) · PSE. It assumes most
//   effects are null (effect sparsity) and is conservative at m = 15 (Ye & Hamada 2000).

import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { FLAG_NAMES, type FlagName } from "../../src/core/flags.ts";
import { median } from "./aggregate.ts";

export const FLAG_COUNT = FLAG_NAMES.length;
export const COMBINATIONS = 1 << FLAG_COUNT;

export type IntervalMethod = "replicates" | "lenth";

export interface Term {
  /** Bit pattern of the term's flags, in flag order (batch = 1, pipeline = 2, …). */
  readonly bits: number;
  readonly flags: readonly FlagName[];
  /** The canonical spelling: flags in flag order joined by ":" (`batch`, `batch:pipeline`). */
  readonly name: string;
}

/** The fifteen terms: main effects, then two-, three- and four-flag interactions, each in flag order. */
export const TERMS: readonly Term[] = Array.from({ length: COMBINATIONS - 1 }, (_, i) => i + 1)
  .sort((a, b) => popcount(a) - popcount(b) || lexRank(a) - lexRank(b))
  .map((bits) => {
    const flags = FLAG_NAMES.filter((_, i) => (bits & (1 << i)) !== 0);
    return { bits, flags, name: flags.join(":") };
  });

export interface TermEstimate {
  readonly term: Term;
  /** On the scale of the inputs (log): mean where the term's sign is + minus mean where it is −. */
  readonly effect: number;
  /** Half-width of the 95 % interval on the same scale. */
  readonly margin: number;
}

export interface FactorialAnalysis {
  readonly method: IntervalMethod;
  /** Degrees of freedom of the t quantile. */
  readonly df: number;
  /** Standard error of every effect (pooled replicates) or Lenth's PSE. */
  readonly se: number;
  readonly estimates: readonly TermEstimate[];
}

/**
 * Analyses one 2⁴ design: `values[bits]` are the (log) observations of the combination with that bit
 * pattern, every one non-empty. Replicate method when every combination has two or more, else
 * Lenth's on the combination means.
 */
export function analyseFactorial(values: readonly (readonly number[])[], confidence = 0.95): FactorialAnalysis {
  if (values.length !== COMBINATIONS || values.some((v) => v.length === 0)) {
    throw new Error(`a 2^${FLAG_COUNT} factorial needs observations of all ${COMBINATIONS} combinations`);
  }
  const means = values.map(mean);
  const effects = TERMS.map((t) => contrast(means, t.bits));
  const replicated = values.every((v) => v.length >= 2);
  let se: number;
  let df: number;
  if (replicated) {
    let ss = 0;
    df = 0;
    values.forEach((v, i) => {
      for (const x of v) ss += (x - means[i]!) ** 2;
      df += v.length - 1;
    });
    const s2 = ss / df;
    se = Math.sqrt((s2 / (COMBINATIONS / 2) ** 2) * values.reduce((sum, v) => sum + 1 / v.length, 0));
  } else {
    se = lenthPse(effects);
    df = effects.length / 3;
  }
  const t = tQuantile(1 - (1 - confidence) / 2, df);
  return {
    method: replicated ? "replicates" : "lenth",
    df,
    se,
    estimates: TERMS.map((term, i) => ({ term, effect: effects[i]!, margin: t * se })),
  };
}

/** Mean where the sign of `bits` is + minus mean where it is −, over the 2⁴ combination means. */
export function contrast(means: readonly number[], bits: number): number {
  let sum = 0;
  means.forEach((m, combo) => {
    sum += popcount(~combo & bits) % 2 === 0 ? m : -m;
  });
  return sum / (means.length / 2);
}

/** Lenth's pseudo standard error of a set of effects. */
export function lenthPse(effects: readonly number[]): number {
  const abs = effects.map(Math.abs);
  const s0 = 1.5 * median(abs);
  return 1.5 * median(abs.filter((a) => a < 2.5 * s0));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x & (COMBINATIONS - 1); v !== 0; v &= v - 1) n++;
  return n;
}

/** Orders terms of the same size as their flag lists compare in flag order (batch:pipeline first). */
function lexRank(bits: number): number {
  let rank = 0;
  for (let i = 0; i < FLAG_COUNT; i++) if ((bits & (1 << i)) !== 0) rank = rank * (FLAG_COUNT + 1) + i + 1;
  return rank;
}
