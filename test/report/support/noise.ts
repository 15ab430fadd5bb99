// TEST HELPER: seeded noise for the synthetic factorial designs.

import type { Rng } from "../../../src/core/rng.ts";

/** A standard normal variate by Box–Muller from the seeded generator. */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** +1 when the combination `combo` has an even number of the term's flags off, else −1. */
export function termSign(bits: number, combo: number): number {
  let s = 1;
  for (let i = 0; (1 << i) <= bits; i++) if ((bits & (1 << i)) !== 0 && (combo & (1 << i)) === 0) s = -s;
  return s;
}
