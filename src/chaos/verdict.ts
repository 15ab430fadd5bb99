// Judging a chaos run from what it collected: the linearizability check of the history plus the
// post-heal checks. Pure apart from the checker's own clock, so a planted history can be judged
// without a cluster.

import type { Value } from "../check/history.ts";
import { type CheckResult, checkEvents } from "../check/linearizability.ts";
import type { NodeCrash } from "./cluster-target.ts";
import type { FaultEvent } from "./faults.ts";
import { historyOf, type OpRecord } from "./recording.ts";
import { type Check, lostWrites } from "./verify.ts";

/** Everything a run collected; the post-heal fields are absent when the run aborted before them. */
export interface RunData {
  readonly records: readonly OpRecord[];
  readonly faults: readonly FaultEvent[];
  readonly crashes: readonly NodeCrash[];
  readonly finalWrite?: Check;
  readonly convergence?: Check;
  readonly finalValues?: ReadonlyMap<string, Value>;
  /** Why the run stopped early (no leader after healing, say). */
  readonly aborted?: string;
}

/** pass: every check held; fail: a violation or a broken promise; unknown: the checker's budget ran out. */
export type Outcome = "pass" | "fail" | "unknown";

export interface Judgement {
  readonly outcome: Outcome;
  readonly check: CheckResult;
  /** Every reason the run did not pass, one line each. */
  readonly problems: string[];
}

export function judge(data: RunData, budget?: number): Judgement {
  const check = checkEvents(historyOf(data.records), budget === undefined ? {} : { budget });
  const problems: string[] = [];
  if (data.aborted) problems.push(`run aborted: ${data.aborted}`);
  if (check.verdict === "not linearizable")
    problems.push(`not linearizable: the history of key ${JSON.stringify(check.failingKey)} has no valid order`);
  for (const c of data.crashes)
    problems.push(`node ${c.id} exited on its own at ${Math.round(c.atMs)} ms (code ${c.code}, signal ${c.signal})`);
  if (data.finalWrite && !data.finalWrite.ok) problems.push(`final write failed: ${data.finalWrite.detail}`);
  if (data.convergence && !data.convergence.ok) problems.push(`nodes diverged: ${data.convergence.detail}`);
  if (data.finalValues)
    for (const l of lostWrites(data.records, data.finalValues)) problems.push(`lost acknowledged write: ${l}`);
  const outcome: Outcome = problems.length > 0 ? "fail" : check.verdict === "unknown" ? "unknown" : "pass";
  if (outcome === "unknown")
    problems.push(`checker budget exhausted on keys ${check.undecidedKeys.map((k) => JSON.stringify(k)).join(", ")}`);
  return { outcome, check, problems };
}

/** The command's exit status over several runs: 1 if any failed, else 2 if any was undecided, else 0. */
export function exitStatus(outcomes: readonly Outcome[]): number {
  if (outcomes.includes("fail")) return 1;
  if (outcomes.includes("unknown")) return 2;
  return 0;
}
