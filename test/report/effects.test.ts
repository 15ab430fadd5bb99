// The flags' factorial effects computed from a run's cells: planted multiplicative effects recovered
// inside their intervals, the ratios equal to the geometric means of on/off pairs, incomplete groups
// reported rather than imputed.
// Replay: RAFTLAB_EFFECTS_SEED=<base seed printed below> (design i uses base + i).

import { describe, expect, it } from "vitest";
import {
  effectEntries,
  envKey,
  estimates,
  geometricMean,
  groupLabel,
  interactionMeans,
  largestInteraction,
  runEffects,
  verdictOf,
} from "../../bench/report/effects.ts";
import { TERMS } from "../../bench/report/factorial.ts";
import type { Cell } from "../../bench/results.ts";
import { allCombos, formatFlags } from "../../src/core/flags.ts";
import { plantedCells as plantedOn } from "./support/planted.ts";
import { makeFailedCell, makeResults } from "./support/sample-results.ts";

const BASE_SEED = Number(process.env.RAFTLAB_EFFECTS_SEED ?? 20_260_302);
const COMBOS = allCombos().map(formatFlags);

/** Planted ratios on throughput (and their inverses on latency): one hurts, one does nothing, one interaction. */
const PLANTED: Record<string, number> = {
  batch: 3,
  pipeline: 1.3,
  "parallel-append": 0.8,
  "async-apply": 1,
  "batch:pipeline": 1.3,
};

function plantedCells(seed: number, reps: number, sigma = 0.03): Cell[] {
  return plantedOn(PLANTED, seed, reps, sigma);
}

describe("factorial effects of a run", () => {
  for (const reps of [1, 3]) {
    const method = reps === 1 ? "lenth" : "replicates";
    it(`recovers planted effects inside their intervals (${method}, ${reps} rep${reps > 1 ? "s" : ""}, 100 seeded designs)`, () => {
      const first = BASE_SEED + reps * 1000;
      console.log(`planted-effects seeds ${first}..${first + 99} (replay with RAFTLAB_EFFECTS_SEED=${BASE_SEED})`);
      let covered = 0;
      let intervals = 0;
      const wrongVerdicts: string[] = [];
      for (let d = 0; d < 100; d++) {
        const effects = runEffects(makeResults(plantedCells(first + d, reps)));
        expect(effects.groups).toHaveLength(1);
        const group = effects.groups[0]!;
        expect(group.analyses.throughput.method).toBe(method);
        for (const metric of ["throughput", "p50"] as const) {
          for (const e of estimates(group, metric)) {
            const truth = (PLANTED[e.term.name] ?? 1) ** (metric === "throughput" ? 1 : -1);
            intervals++;
            if (e.lo <= truth && truth <= e.hi) covered++;
            // Planted effects this large (≥ 25 % at σ = 3 %) are detected in the right direction.
            const expected = truth === 1 ? null : truth > 1 === (metric === "throughput") ? "helps" : "hurts";
            if (expected && e.verdict !== expected)
              wrongVerdicts.push(`seed ${first + d} ${metric} ${e.term.name}: ${e.verdict}`);
          }
        }
      }
      expect(wrongVerdicts).toEqual([]);
      // 95 % intervals (Lenth's are conservative): at least 90 % cover the truth over 2000 intervals.
      expect(covered / intervals).toBeGreaterThanOrEqual(0.9);
    });
  }

  it("writes each ratio as the geometric mean of its on/off pairs, recomputed from the cells", () => {
    const results = makeResults(plantedCells(BASE_SEED, 2, 0.2));
    const entries = effectEntries(runEffects(results));
    // Ten terms (four flags, six pairs) × three metrics.
    expect(entries).toHaveLength(30);
    const figure = (flags: string, metric: "throughput" | "p50" | "p99") =>
      geometricMean(
        results.cells
          .filter((c) => c.flags === flags)
          .map((c) => (metric === "throughput" ? c.throughput : c.latencyMs[metric])),
      );
    const withFlag = (combo: string, flag: string) =>
      formatFlagsOf([...(combo === "none" ? [] : combo.split("+")), flag]);
    for (const entry of entries.filter((e) => !e.term.includes(":"))) {
      const pairs = COMBOS.filter((c) => !c.split("+").includes(entry.term)).map(
        (off) => figure(withFlag(off, entry.term), entry.metric) / figure(off, entry.metric),
      );
      expect(pairs).toHaveLength(8);
      expect(entry.ratio).toBeCloseTo(geometricMean(pairs), 10);
      expect(entry.ci95[0]).toBeLessThan(entry.ratio);
      expect(entry.ci95[1]).toBeGreaterThan(entry.ratio);
      expect(entry.method).toBe("replicates");
      expect(entry.df).toBe(16);
    }
    // batch:pipeline squared = (batch's pair ratio with pipeline on) ÷ (with pipeline off).
    const batchGiven = (pipeline: boolean) =>
      geometricMean(
        COMBOS.filter((c) => !c.includes("batch") && c.includes("pipeline") === pipeline).map(
          (off) => figure(withFlag(off, "batch"), "throughput") / figure(off, "throughput"),
        ),
      );
    const interaction = entries.find((e) => e.metric === "throughput" && e.term === "batch:pipeline")!;
    expect(interaction.ratio ** 2).toBeCloseTo(batchGiven(true) / batchGiven(false), 10);
    expect(entries.map((e) => e.term).slice(0, 10)).toEqual(TERMS.slice(0, 10).map((t) => t.name));
    expect(entries[0]!.env).toBe(
      "net=0ms jitter=0ms loss=0 fsync=0us apply=0us value=128B keys=100000 dist=uniform reads=0",
    );
    expect(entries[0]!.load).toBe("128 conn");
  });

  it("reports a group with a missing or failed cell instead of imputing it", () => {
    const cells = plantedCells(BASE_SEED, 1).filter((c) => c.flags !== "pipeline+async-apply");
    const failed = plantedCells(BASE_SEED, 1)
      .map((c) => ({ ...c, size: 5 }))
      .map((c) => (c.flags === "batch" ? makeFailedCell({ ...c }, "no leader elected within 15 s") : c));
    const effects = runEffects(makeResults([...cells, ...failed]));
    expect(effects.groups).toEqual([]);
    expect(effects.incomplete.map((g) => ({ size: g.size, missing: g.missing, failed: g.failed }))).toEqual([
      { size: 3, missing: ["pipeline+async-apply"], failed: [] },
      { size: 5, missing: [], failed: ["batch rep 0: no leader elected within 15 s"] },
    ]);
    expect(effectEntries(effects)).toEqual([]);
  });

  it("gives no effects when the run has fewer than the sixteen combinations", () => {
    const effects = runEffects(
      makeResults(
        plantedCells(BASE_SEED, 2).filter((c) =>
          ["none", "batch", "batch+pipeline+parallel-append+async-apply"].includes(c.flags),
        ),
      ),
    );
    expect(effects).toEqual({ combinations: 3, groups: [], incomplete: [] });
  });

  it("keeps groups of different environments apart and names them canonically", () => {
    const loopback = plantedCells(BASE_SEED, 1);
    const dc = plantedCells(BASE_SEED + 1, 1).map((c) => ({
      ...c,
      netDelayMs: 0.25,
      fsyncDelayUs: 1000,
      applyCostUs: 30,
    }));
    const effects = runEffects(makeResults([...loopback, ...dc]));
    // Loopback first: knobs compare as numbers (as strings "net=0.25ms" would sort before "net=0ms").
    expect(effects.groups.map((g) => g.env)).toEqual([
      "net=0ms jitter=0ms loss=0 fsync=0us apply=0us value=128B keys=100000 dist=uniform reads=0",
      "net=0.25ms jitter=0ms loss=0 fsync=1000us apply=30us value=128B keys=100000 dist=uniform reads=0",
    ]);
    expect(effects.groups.map(groupLabel)).toEqual([
      "loopback, 3 nodes, 128 conn",
      "net 0.25 ms · fsync +1000 µs · apply 30 µs, 3 nodes, 128 conn",
    ]);
    expect(envKey(dc[0]!)).toBe(effects.groups[1]!.env);
  });

  it("finds the planted interaction as the largest and gives its interaction-plot means", () => {
    const effects = runEffects(makeResults(plantedCells(BASE_SEED, 3, 0.02)));
    const largest = largestInteraction(effects)!;
    expect(largest.estimate.term.name).toBe("batch:pipeline");
    const means = interactionMeans(largest.group, largest.estimate.metric, largest.estimate.term);
    expect(means.map((m) => [m.first, m.second])).toEqual([
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]);
    // batch's ratio with pipeline on ÷ with pipeline off = (interaction ratio)² ≈ 1.3² on throughput, 1/1.3² on latency.
    const [ff, ft, tf, tt] = means.map((m) => m.value) as [number, number, number, number];
    expect(tt / ft / (tf / ff)).toBeCloseTo(largest.estimate.ratio ** 2, 10);
  });

  it("calls a lower latency a help and a higher throughput a help", () => {
    expect(verdictOf("throughput", 1.1, 1.3)).toBe("helps");
    expect(verdictOf("p99", 1.1, 1.3)).toBe("hurts");
    expect(verdictOf("p50", 0.7, 0.9)).toBe("helps");
    expect(verdictOf("throughput", 0.9, 1.2)).toBe("no effect detected");
  });
});

function formatFlagsOf(flags: string[]): string {
  return COMBOS.find(
    (c) => c !== "none" && c.split("+").length === flags.length && flags.every((f) => c.split("+").includes(f)),
  )!;
}
