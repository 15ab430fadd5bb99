// What a what-if sweep runs (parsed from the command line by src/cli/whatif.ts), and how the options
// are recorded in results.json.

import { type Flags, formatFlags } from "../../src/core/flags.ts";
import type { PerfModel } from "../../src/sim/perf-model.ts";

export interface WhatifOptions {
  readonly sizes: readonly number[];
  readonly flags: readonly Flags[];
  readonly connections: readonly number[];
  readonly model: PerfModel;
  /** Virtual seconds measured per cell, and of warm-up before them. */
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueSize: number;
  /** Every cell runs from this seed: the combinations see the same draws, as far as their runs agree. */
  readonly seed: number;
  /** Reports root. */
  readonly out: string;
}

/** The options as written into results.json (`run.options`); the model goes into `run.model`. */
export function whatifRecord(o: WhatifOptions): Record<string, unknown> {
  const { model: _model, ...rest } = o;
  return { ...rest, flags: o.flags.map(formatFlags) };
}
