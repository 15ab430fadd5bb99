// Why a flag changed the figures, in the counters' words: for each flag whose mechanism the nodes
// count, the relevant counters with the flag on and off, medians over the pairs of combinations
// that differ only in that flag (same size, load level and environment) at the highest load level.
// ("batch, 3 nodes: 38 entries per leader fsync instead of 1".)

import type { FlagName } from "../../src/core/flags.ts";
import type { MechanismSummary, Results } from "../results.ts";
import { median, type Point, spread } from "./aggregate.ts";
import { type Pair, summarize } from "./summary.ts";

/** The counters that show each flag's mechanism, with how to name them in a sentence. */
const EVIDENCE: Partial<Record<FlagName, readonly (readonly [keyof MechanismSummary, string])[]>> = {
  batch: [
    ["entriesPerLeaderFsync", "entries per leader fsync"],
    ["entriesPerAppend", "entries per AppendEntries"],
    ["followerFsyncsPerS", "follower fsyncs per second"],
  ],
  pipeline: [
    ["inflightMean", "AppendEntries in flight per follower on average"],
    ["inflightMax", "at most"],
  ],
  "async-apply": [["applyBatchMean", "entries per apply batch"]],
};

export interface MechanismNote {
  readonly flag: FlagName;
  readonly size: number;
  readonly scenario: string;
  readonly load: string;
  readonly text: string;
}

function figure(p: Point, field: keyof MechanismSummary): number {
  return spread(p.cells.flatMap((c) => (c.mechanism?.summary ? [c.mechanism.summary[field]] : []))).mean;
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString("en-US") : String(Number(x.toPrecision(x >= 10 ? 3 : 2)));
}

export function mechanismNotes(results: Results): MechanismNote[] {
  const notes: MechanismNote[] = [];
  for (const effect of summarize(results).effects) {
    const evidence = EVIDENCE[effect.flag];
    if (!evidence) continue;
    const top = Math.max(...effect.pairs.map((p) => p.off.load));
    const pairs: Pair[] = effect.pairs.filter(
      (p) =>
        p.off.load === top &&
        Number.isFinite(figure(p.on, evidence[0]![0])) &&
        Number.isFinite(figure(p.off, evidence[0]![0])),
    );
    if (pairs.length === 0) continue;
    const parts = evidence.map(([field, words]) => {
      const on = median(pairs.map((p) => figure(p.on, field)));
      const off = median(pairs.map((p) => figure(p.off, field)));
      return `${fmt(on)} ${words} instead of ${fmt(off)}`;
    });
    const where = `${effect.size} nodes${effect.scenario ? `, ${effect.scenario}` : ""}, ${pairs[0]!.off.loadLabel}`;
    notes.push({
      flag: effect.flag,
      size: effect.size,
      scenario: effect.scenario,
      load: pairs[0]!.off.loadLabel,
      text: `${effect.flag} (${where}): ${parts.join(", ")} (medians over ${pairs.length} pairs).`,
    });
  }
  return notes;
}
