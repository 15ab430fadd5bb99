// The report's correctness column: after the sweep, one short fault run per combination on a real
// 3-node cluster (kill -9 and restart, pauses, partitions), its history checked for
// linearizability, so a fast but wrong mode is visible next to its figures.

import { CHAOS_DEFAULTS, runChaos } from "../src/chaos/run.ts";
import { type Flags, formatFlags } from "../src/core/flags.ts";

export async function checkCombinations(
  combos: readonly Flags[],
  seconds: number,
  outDir: string,
  io: { log(line: string): void; readonly signal?: AbortSignal },
  record: (combo: string, verdict: string) => Promise<void>,
): Promise<void> {
  for (const [i, flags] of combos.entries()) {
    if (io.signal?.aborted) return;
    const combo = formatFlags(flags);
    io.log(`check ${i + 1}/${combos.length}: ${combo}, ${seconds} s of faults`);
    const r = await runChaos({ ...CHAOS_DEFAULTS, flags, durationS: seconds, seed: i + 1, outDir });
    const verdict = r.outcome === "pass" ? r.verdict : `${r.verdict}; ${r.problems.join("; ")}`;
    io.log(`      ${verdict} (${r.ops} ops, ${r.faults} faults)`);
    await record(combo, verdict);
  }
}
