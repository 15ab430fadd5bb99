// What one chaos run reports (the summary line, summary.json and the page), and the command that
// replays it.

import type { Outcome } from "./verdict.ts";

export interface ChaosResult {
  readonly runId: string;
  readonly combo: string;
  readonly seed: number;
  readonly nodes: number;
  readonly durationS: number;
  readonly clients: number;
  readonly keys: number;
  /** The cluster file of a run on a running cluster (`--target`); null for a fresh local cluster. */
  readonly target: string | null;
  /** The faults the run could not apply there, and why; null when none were left out. */
  readonly skipped: string | null;
  readonly outcome: Outcome;
  /** The checker's verdict: linearizable, not linearizable or unknown. */
  readonly verdict: string;
  readonly failingKey: string | null;
  readonly problems: readonly string[];
  readonly ops: number;
  /** Operations by completion: ok, failed (a cas whose comparison failed), not-applied, unknown. */
  readonly completions: Readonly<Record<string, number>>;
  readonly acknowledgedWrites: number;
  readonly faults: number;
  readonly faultKinds: Readonly<Record<string, number>>;
  /** Leadership hand-overs the operations lane asked for that completed (the others were refused or given up). */
  readonly handOvers: number;
  readonly checkerMs: number;
  readonly finalWrite: string;
  readonly convergence: string;
  /** The run's folder and page. */
  readonly dir: string;
  readonly page: string;
}

export function replayCommand(
  r: Pick<ChaosResult, "nodes" | "combo" | "durationS" | "clients" | "keys" | "seed" | "target">,
): string {
  const where = r.target === null ? `--nodes ${r.nodes}` : `--target ${r.target}`;
  return `npm run chaos -- ${where} --flags ${r.combo} --duration ${r.durationS} --clients ${r.clients} --keys ${r.keys} --seed ${r.seed}`;
}
