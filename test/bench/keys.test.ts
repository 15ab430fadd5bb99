import { describe, expect, it } from "vitest";
import { keyGenerator, zipfRanks } from "../../bench/load/keys.ts";
import { seededRng } from "../../src/core/rng.ts";

const draw = (gen: () => string, n: number): string[] => Array.from({ length: n }, gen);

describe("key generators", () => {
  it("gives a fresh key for every request when the key space is 0", () => {
    const keys = draw(keyGenerator({ keys: 0, dist: "uniform", seed: 1, prefix: "k" }), 5000);
    expect(new Set(keys).size).toBe(5000);
  });

  it("covers the whole uniform key space and nothing outside it", () => {
    const keys = draw(keyGenerator({ keys: 20, dist: "uniform", seed: 7, prefix: "u-" }), 4000);
    const expected = Array.from({ length: 20 }, (_, i) => `u-${i}`);
    expect([...new Set(keys)].sort()).toEqual(expected.sort());
    const counts = expected.map((k) => keys.filter((x) => x === k).length);
    // 200 expected per key; a fair generator stays well inside these bounds.
    expect(Math.min(...counts)).toBeGreaterThan(120);
    expect(Math.max(...counts)).toBeLessThan(280);
  });

  it("skews a zipf key space toward its first ranks", () => {
    const n = 1000;
    const keys = draw(keyGenerator({ keys: n, dist: "zipf", seed: 3, prefix: "" }), 20_000).map(Number);
    expect(keys.every((k) => Number.isInteger(k) && k >= 0 && k < n)).toBe(true);
    const count = (pred: (k: number) => boolean): number => keys.filter(pred).length;
    // θ = 0.99 over 1000 keys: rank 0 draws ~13 %, the top 10 ranks ~40 % (uniform: 0.1 % and 1 %).
    expect(count((k) => k === 0)).toBeGreaterThan(20_000 * 0.08);
    expect(count((k) => k < 10)).toBeGreaterThan(20_000 * 0.3);
    expect(count((k) => k === 0)).toBeGreaterThan(count((k) => k === 1));
    expect(count((k) => k === 1)).toBeGreaterThan(count((k) => k === 50));
  });

  it("is deterministic by seed", () => {
    for (const dist of ["uniform", "zipf"] as const) {
      const a = draw(keyGenerator({ keys: 500, dist, seed: 11, prefix: "" }), 300);
      const b = draw(keyGenerator({ keys: 500, dist, seed: 11, prefix: "" }), 300);
      const c = draw(keyGenerator({ keys: 500, dist, seed: 12, prefix: "" }), 300);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    }
  });

  it("keeps zipf ranks in range for tiny key spaces", () => {
    for (const n of [1, 2, 3]) {
      const rank = zipfRanks(n, 0.99, seededRng(5).next);
      const seen = new Set(Array.from({ length: 500 }, rank));
      expect([...seen].every((r) => r >= 0 && r < n)).toBe(true);
      expect(seen.size).toBe(n);
    }
  });
});
