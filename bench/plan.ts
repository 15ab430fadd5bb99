// The cells of a sweep, in run order: repetitions outermost (so a rep's noise spreads over the run
// and an interrupted run has whole repetitions), then scenario, size, load level and system.

import { formatFlags } from "../src/core/flags.ts";
import type { CellConfig } from "./results.ts";
import type { SweepOptions } from "./sweep-options.ts";

type Scenario = Pick<CellConfig, "netDelayMs" | "fsyncDelayUs" | "applyCostUs">;

/** The environment lists swept one at a time from their first values (see BENCH_USAGE). */
export function scenarios(o: SweepOptions): Scenario[] {
  const base: Scenario = { netDelayMs: o.netDelayMs[0]!, fsyncDelayUs: o.fsyncDelayUs[0]!, applyCostUs: o.applyCostUs[0]! };
  return [
    base,
    ...o.netDelayMs.slice(1).map((netDelayMs) => ({ ...base, netDelayMs })),
    ...o.fsyncDelayUs.slice(1).map((fsyncDelayUs) => ({ ...base, fsyncDelayUs })),
    ...o.applyCostUs.slice(1).map((applyCostUs) => ({ ...base, applyCostUs })),
  ];
}

/**
 * The peer baseline runs only where the environment knobs are raftlab's own emulation (link shaping,
 * fsync delay, apply cost) at zero: etcd has no such knobs, so elsewhere it would not be comparable.
 */
function peerComparable(o: SweepOptions, s: Scenario): boolean {
  return s.netDelayMs === 0 && s.fsyncDelayUs === 0 && s.applyCostUs === 0 && o.netJitterMs === 0 && o.netLoss === 0;
}

export function planCells(o: SweepOptions): CellConfig[] {
  const loads = [
    ...o.connections.map((connections) => ({ connections, rate: null })),
    ...o.rates.map((rate) => ({ connections: null, rate })),
  ];
  const cells: CellConfig[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const s of scenarios(o)) {
      const systems = [
        ...o.flags.map((f) => ({ system: "raftlab", flags: formatFlags(f) })),
        ...(o.peer && peerComparable(o, s) ? [{ system: o.peer, flags: o.peer }] : []),
      ];
      for (const size of o.sizes) {
        for (const load of loads) {
          for (const sys of systems) {
            cells.push({
              ...sys,
              size,
              ...load,
              rep,
              durationS: o.durationS,
              warmupS: o.warmupS,
              valueSize: o.valueSize,
              keys: o.keys,
              keyDist: o.keyDist,
              readRatio: o.readRatio,
              netDelayMs: s.netDelayMs,
              netJitterMs: o.netJitterMs,
              netLoss: o.netLoss,
              fsyncDelayUs: s.fsyncDelayUs,
              applyCostUs: s.applyCostUs,
            });
          }
        }
      }
    }
  }
  return cells;
}
