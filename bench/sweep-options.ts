// What a bench sweep runs (parsed from the command line by src/cli/bench-options.ts), and how the
// options are recorded in results.json.

import type { KnobName } from "../src/core/config.ts";
import { type Flags, formatFlags } from "../src/core/flags.ts";
import { READ_MODES } from "../src/node/read-mode.ts";
import type { ClusterAccess } from "../src/node/remote-cluster.ts";
import type { StateMachineKind } from "../src/node/state-machines.ts";
import type { Calibration } from "./calibrate/calibration.ts";
import type { EnvName } from "./environments.ts";
import type { KeyDist } from "./load/keys.ts";
import type { BenchReadMode } from "./results.ts";

export type Preset = "quick" | "full" | "events" | "validate";

export const BENCH_READ_MODES: readonly BenchReadMode[] = [...READ_MODES, "stale"];

export interface EnvChoice {
  readonly name: EnvName;
  readonly reps: number | null;
}

export interface SweepOptions {
  readonly preset: Preset;
  readonly sizes: readonly number[];
  readonly flags: readonly Flags[];
  readonly connections: readonly number[];
  readonly rates: readonly number[];
  readonly maxOutstanding: number;
  /** Events injected into every cell (`--event`), canonically spelled (bench/events/event.ts). */
  readonly events: readonly string[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly reps: number;
  readonly valueSize: number;
  readonly keys: number;
  readonly keyDist: KeyDist;
  readonly readRatio: number;
  /** Read modes crossed with raftlab's combinations (`--read-mode`); empty: the nodes' default, unrecorded. */
  readonly readModes: readonly BenchReadMode[];
  readonly netDelayMs: readonly number[];
  readonly netJitterMs: number;
  readonly netLoss: number;
  readonly fsyncDelayUs: readonly number[];
  readonly applyCostUs: readonly number[];
  /** What raftlab's nodes apply committed entries to (`raftlab node --state-machine`). */
  readonly stateMachine: StateMachineKind;
  /**
   * Named environments (bench/environments.ts), each with its own repetition count (null: `reps`);
   * when empty, the three lists above are swept one at a time.
   */
  readonly env: readonly EnvChoice[];
  /** Cell order within a repetition: shuffled by `seed` (drift spreads over every combination) or as planned. */
  readonly order: "shuffled" | "grouped";
  /** Seeds the shuffle; recorded in results.json so the order can be replayed. */
  readonly seed: number;
  /** Replication knob lists (`--max-inflight 1,2,4`); a knob absent here keeps the node's default. */
  readonly knobs: Readonly<Partial<Record<KnobName, readonly number[]>>>;
  readonly peer: "etcd" | null;
  /** A running cluster to measure (`--target FILE`) instead of starting clusters; null: local clusters. */
  readonly target: ClusterAccess | null;
  /** Load workers on other hosts (`--loadgen`) and the secret they take; null: the local generator. */
  readonly loadWorkers: { readonly urls: readonly string[]; readonly secret: string | null } | null;
  readonly out: string;
  readonly leaderTimeoutMs: number;
  /** Seconds of the checked fault run per combination after the sweep (0: none). */
  readonly checkS: number;
  /** Measuring time per micro-benchmark task after the sweep, ms (0: none). */
  readonly microMs: number;
  /** The calibration stored with the run: taken before the cells, read from a file, or none. */
  readonly calibrate:
    | { readonly kind: Calibration["kind"] }
    | { readonly file: string; readonly calibration: Calibration }
    | null;
  readonly verbose: boolean;
  /** After the sweep, set the simulator's predictions beside its cells (bench/validate/). */
  readonly validateModel: boolean;
  /** Extra `raftlab node` options for every node (after "--"). */
  readonly nodeArgs: readonly string[];
}

/** The options as written into results.json (`run.options`): plain JSON, combinations spelled out. */
export function optionsRecord(o: SweepOptions): Record<string, unknown> {
  const { target, loadWorkers, calibrate, ...rest } = o;
  return {
    ...rest,
    // A calibration read from a file is recorded once, as the run's calibration.
    calibrate: calibrate && ("file" in calibrate ? { file: calibrate.file } : calibrate),
    flags: o.flags.map(formatFlags),
    target: target && { file: target.spec.file, nodes: target.spec.nodes.map((n) => ({ ...n })) },
    // The workers' secret stays out of the record.
    loadWorkers: loadWorkers && { urls: loadWorkers.urls },
  };
}
