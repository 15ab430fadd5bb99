// The cells of a sweep, in run order: repetitions outermost (an interrupted run has whole
// repetitions), and within a repetition either shuffled (the default: slow drift of a shared machine
// then falls on every combination alike instead of masquerading as a flag's effect) or grouped by
// scenario, size, load level and system.

import { KNOB_NAMES, type KnobName } from "../src/core/config.ts";
import { formatFlags } from "../src/core/flags.ts";
import { type Rng, seededRng } from "../src/core/rng.ts";
import { ENVIRONMENTS, type Environment } from "./environments.ts";
import type { CellConfig } from "./results.ts";
import type { SweepOptions } from "./sweep-options.ts";

/**
 * An environment, with the replication knobs the sweep sets (absent: the node's default) and its
 * repetition count (absent: the sweep's).
 */
type Scenario = Environment & Partial<Pick<CellConfig, KnobName>> & { readonly reps?: number };

/** The named environments, or else the environment lists swept one at a time from their first values (see BENCH_USAGE). */
function environments(o: SweepOptions): Scenario[] {
  if (o.env.length > 0)
    return o.env.map((e) => ({ ...ENVIRONMENTS[e.name], ...(e.reps === null ? {} : { reps: e.reps }) }));
  const base: Environment = {
    netDelayMs: o.netDelayMs[0]!,
    fsyncDelayUs: o.fsyncDelayUs[0]!,
    applyCostUs: o.applyCostUs[0]!,
  };
  return [
    base,
    ...o.netDelayMs.slice(1).map((netDelayMs) => ({ ...base, netDelayMs })),
    ...o.fsyncDelayUs.slice(1).map((fsyncDelayUs) => ({ ...base, fsyncDelayUs })),
    ...o.applyCostUs.slice(1).map((applyCostUs) => ({ ...base, applyCostUs })),
  ];
}

/**
 * Every environment with the knob lists' first values, then each knob's other values one at a time
 * in the first environment (like the environment lists: swept, not crossed).
 */
export function scenarios(o: SweepOptions): Scenario[] {
  const knobs = KNOB_NAMES.flatMap((k) => (o.knobs[k]?.length ? [[k, o.knobs[k]] as const] : []));
  const knobBase = Object.fromEntries(knobs.map(([k, values]) => [k, values[0]]));
  const envs: Scenario[] = environments(o).map((e) => ({ ...e, ...knobBase }));
  return [...envs, ...knobs.flatMap(([k, values]) => values.slice(1).map((v) => ({ ...envs[0]!, [k]: v })))];
}

/** Repetitions of a scenario's cells. */
function repsOf(o: SweepOptions, s: Scenario): number {
  return s.reps ?? o.reps;
}

/**
 * The peer baseline runs only where the environment knobs are raftlab's own emulation (link shaping,
 * fsync delay, apply cost) at zero: etcd has no such knobs, so elsewhere it would not be comparable.
 * Nor has it raftlab's replication knobs: it runs once, in the scenario with their first values.
 */
function peerComparable(o: SweepOptions, s: Scenario): boolean {
  const knobsAtBase = KNOB_NAMES.every((k) => s[k] === o.knobs[k]?.[0]);
  return (
    knobsAtBase &&
    s.netDelayMs === 0 &&
    s.fsyncDelayUs === 0 &&
    s.applyCostUs === 0 &&
    o.netJitterMs === 0 &&
    o.netLoss === 0
  );
}

/** The scenario's knob values, for raftlab cells (a peer has none). */
function knobsOf(s: Scenario): Partial<Pick<CellConfig, KnobName>> {
  return Object.fromEntries(KNOB_NAMES.flatMap((k) => (s[k] === undefined ? [] : [[k, s[k]]])));
}

export function planCells(o: SweepOptions): CellConfig[] {
  const loads = [
    ...o.connections.map((connections) => ({ connections, rate: null })),
    ...o.rates.map((rate) => ({ connections: null, rate })),
  ];
  const cells: CellConfig[] = [];
  const rng = seededRng(o.seed);
  const all = scenarios(o);
  const reps = Math.max(...all.map((s) => repsOf(o, s)));
  for (let rep = 0; rep < reps; rep++) {
    const repCells: CellConfig[] = [];
    for (const s of all.filter((s) => rep < repsOf(o, s))) {
      const readModes = o.readModes.length > 0 ? o.readModes.map((readMode) => ({ readMode })) : [{}];
      const systems = [
        ...o.flags.flatMap((f) => readModes.map((r) => ({ system: "raftlab", flags: formatFlags(f), ...r }))),
        ...(o.peer && peerComparable(o, s) ? [{ system: o.peer, flags: o.peer }] : []),
      ];
      for (const size of o.sizes) {
        for (const load of loads) {
          for (const sys of systems) {
            repCells.push({
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
              ...(sys.system === "raftlab" ? knobsOf(s) : {}),
              ...(o.events.length > 0 ? { events: o.events } : {}),
            });
          }
        }
      }
    }
    cells.push(...(o.order === "shuffled" ? shuffle(repCells, rng) : repCells));
  }
  return cells;
}

/** Fisher–Yates with the seeded generator. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * A cell of closed-loop writes to a raftlab cluster under `env`, outside a sweep's plan: the
 * calibration's cluster runs and the what-if's simulated cells.
 */
export function writeCell(
  c: Pick<CellConfig, "flags" | "size" | "connections" | "durationS" | "warmupS" | "valueSize" | "keys">,
  env: Environment,
): CellConfig {
  return {
    system: "raftlab",
    rate: null,
    rep: 0,
    keyDist: "uniform",
    readRatio: 0,
    netJitterMs: 0,
    netLoss: 0,
    ...c,
    ...env,
  };
}
