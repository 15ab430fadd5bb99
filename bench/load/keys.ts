// Key generators for the load: a fresh key per request, or keys drawn from a fixed key space
// uniformly or with a Zipfian skew (a few hot keys), reproducible from a seed.

import { seededRng } from "../../src/core/rng.ts";

export type KeyDist = "uniform" | "zipf";

export interface KeySpace {
  /** Size of the key space; 0 = a fresh key for every request. */
  readonly keys: number;
  readonly dist: KeyDist;
  readonly seed: number;
  /** Prepended to every key, so concurrent runs against one cluster never share keys by accident. */
  readonly prefix: string;
}

export type KeyGenerator = () => string;

/** YCSB's default skew: the hottest key gets a few percent of all requests for a key space of 10^5. */
const ZIPF_THETA = 0.99;

export function keyGenerator(space: KeySpace): KeyGenerator {
  if (space.keys === 0) {
    let n = 0;
    return () => `${space.prefix}${n++}`;
  }
  const rng = seededRng(space.seed);
  if (space.dist === "uniform") return () => `${space.prefix}${rng.int(0, space.keys)}`;
  const rank = zipfRanks(space.keys, ZIPF_THETA, rng.next);
  return () => `${space.prefix}${rank()}`;
}

/**
 * Ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^theta: the generator of Gray et al.,
 * "Quickly generating billion-record synthetic databases" (SIGMOD '94), as YCSB uses it. O(n) set-up
 * for zeta(n), then O(1) per draw and no table.
 */
export function zipfRanks(n: number, theta: number, uniform: () => number): () => number {
  let zetan = 0;
  for (let i = 1; i <= n; i++) zetan += 1 / i ** theta;
  const zeta2 = 1 + 1 / 2 ** theta;
  const alpha = 1 / (1 - theta);
  const eta = (1 - (2 / n) ** (1 - theta)) / (1 - zeta2 / zetan);
  return () => {
    const u = uniform();
    const uz = u * zetan;
    if (uz < 1) return 0;
    if (uz < zeta2) return Math.min(1, n - 1);
    return Math.min(n - 1, Math.floor(n * (eta * u - eta + 1) ** alpha));
  };
}
