// The many-seed simulation suite, shared by the 3-node and 5-node test files (two files so vitest
// runs them on both cores). Every flag combination must be equally correct: for each one, SEEDS
// seeds with faults, no invariant violated, every history linearizable. Among the faults, nodes
// switch to other combinations live and back, so every combination is also run across switches,
// and members are added, promoted and removed. A failure names the command that replays it.

import { describe, expect, it } from "vitest";
import { replayCommand } from "../../src/cli/sim.ts";
import { allCombos, formatFlags } from "../../src/core/flags.ts";
import { runSeed } from "../../src/sim/run.ts";

/**
 * Seeds per combination and cluster size: sized so the whole simulation suite takes about 2 minutes
 * of CPU here (measured: 2m05s user for test/sim with 96, so about 1 minute with 48).
 */
export const SEEDS = 48;
/** Generous: one combination's seeds take ~6 s alone, far more on a loaded machine. */
const TIMEOUT_MS = 300_000;
/** First seed; change it to explore new schedules (every seed replays with the command printed). */
export const FIRST_SEED = 1;
const OPS = 300;

export function simulateAllCombos(nodes: number): void {
  describe(`${nodes}-node clusters under faults, seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}`, () => {
    it.each(allCombos().map((f) => [formatFlags(f), f] as const))(
      "%s: no invariant violated, histories linearizable",
      (name, flags) => {
        const failures: string[] = [];
        let ops = 0;
        let faults = 0;
        let flagSwitches = 0;
        let transfers = 0;
        let memberChanges = 0;
        for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
          const r = runSeed({ seed, flags, nodes, ops: OPS, faults: true });
          ops += r.ops.ok + r.ops.fail + r.ops.info;
          faults += r.faults;
          flagSwitches += r.flagSwitches;
          transfers += r.transfers;
          memberChanges += r.memberChanges;
          if (!r.ok)
            failures.push(
              `seed ${seed}: ${r.violations.join("; ")}\n  replay: ${replayCommand(r, { ops: OPS, faults: true })}`,
            );
        }
        console.log(
          `sim ${name} n=${nodes}: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${ops} ops, ${faults} faults (${flagSwitches} live flag switches, ${transfers} leadership transfers, ${memberChanges} membership changes), ${failures.length} failed`,
        );
        expect(failures.join("\n")).toBe("");
        expect(faults).toBeGreaterThan(SEEDS);
        expect(flagSwitches).toBeGreaterThan(SEEDS / 2);
        expect(transfers).toBeGreaterThan(0);
        expect(memberChanges).toBeGreaterThan(SEEDS / 2);
      },
      TIMEOUT_MS,
    );
  });
}
