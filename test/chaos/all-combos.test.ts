// The CI chaos pass: every one of the 16 flag combinations survives a short run of real faults (at least
// one kill -9 with restart and one partition each) with a linearizable history, a final write that
// succeeds, and identical applied state on every node. Two runs go at a time to keep the suite short.
// Seeds are printed; replay one with RAFTLAB_CHAOS_SEED=<base seed> (run i uses base+i), or replay a
// single run with the `npm run chaos` command printed for it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ChaosResult, replayCommand } from "../../src/chaos/result.ts";
import { CHAOS_DEFAULTS, runChaos } from "../../src/chaos/run.ts";
import { summaryLine } from "../../src/cli/chaos.ts";
import { allCombos, formatFlags } from "../../src/core/flags.ts";

const BASE_SEED = Number(process.env.RAFTLAB_CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000_000));
const DURATION_S = 4.5;
const CONCURRENT_RUNS = 2;
const KILLS = ["kill-leader", "kill-node", "kill-all"];
const PARTITIONS = ["isolate-leader", "split", "one-way"];

const outDir = mkdtempSync(path.join(tmpdir(), "raftlab-chaos-ci-"));
const combos = allCombos();
let failed = false;

/** Runs `jobs` in order, `width` at a time; each job's result as a promise, in job order. */
function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T>[] {
  const results: Promise<T>[] = [];
  const starts: (() => void)[] = [];
  for (const job of jobs) results.push(new Promise<void>((go) => starts.push(go)).then(job));
  const settled = results.map((r) =>
    r.then(
      () => undefined,
      () => undefined,
    ),
  );
  // Job i starts once job i-width has settled.
  starts.forEach((go, i) => (i < width ? go() : void settled[i - width]!.then(go)));
  return results;
}

/** Started by the first test, so collecting this file starts no cluster. */
let runs: Promise<ChaosResult>[] | null = null;
const startRuns = (): Promise<ChaosResult>[] =>
  (runs ??= pool(
    combos.map(
      (flags, i) => () => runChaos({ ...CHAOS_DEFAULTS, flags, seed: BASE_SEED + i, durationS: DURATION_S, outDir }),
    ),
    CONCURRENT_RUNS,
  ));

afterAll(() => {
  if (failed) console.log(`chaos runs that failed are kept under ${outDir}`);
  else rmSync(outDir, { recursive: true, force: true });
});

describe(`chaos pass over all 16 combinations (base seed ${BASE_SEED})`, () => {
  combos.forEach((flags, i) => {
    it(`${formatFlags(flags)} keeps its promises under kills, pauses, partitions, delay and loss`, async () => {
      const r = await startRuns()[i]!;
      console.log(`${summaryLine(r)}\n  replay: ${replayCommand(r)}`);
      if (r.outcome !== "pass") failed = true;
      expect(r.problems).toEqual([]);
      expect(r.verdict).toBe("linearizable");
      expect(r.finalWrite).toMatch(/^acknowledged/);
      expect(r.convergence).toMatch(/hold identical values/);
      expect(
        Object.keys(r.faultKinds).some((k) => KILLS.includes(k)),
        "a kill -9 and restart",
      ).toBe(true);
      expect(
        Object.keys(r.faultKinds).some((k) => PARTITIONS.includes(k)),
        "a partition",
      ).toBe(true);
      expect(r.acknowledgedWrites).toBeGreaterThan(0);
      expect(r.faultKinds["transfer-leader"], "a leadership hand-over asked for").toBeGreaterThan(0);
    }, 120_000);
  });

  it("hands leadership over amid the faults: some hand-overs complete", async () => {
    const results = await Promise.all(startRuns());
    const asked = results.reduce((n, r) => n + (r.faultKinds["transfer-leader"] ?? 0), 0);
    const done = results.reduce((n, r) => n + r.handOvers, 0);
    console.log(`hand-overs over the 16 runs: ${done} of ${asked} completed`);
    expect(done).toBeGreaterThan(0);
  }, 600_000);
});
