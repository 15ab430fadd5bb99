// The checks after the faults are healed: a new write succeeds, every node applies the same state, and
// the last acknowledged write of every key survived. The final reads join the history, so the
// linearizability check covers the final state too.

import type { Value } from "../check/history.ts";
import type { ClusterView } from "../node/cluster-view.ts";
import { runOp, send, type Workload } from "./clients.ts";
import type { OpRecord } from "./recording.ts";

export interface Check {
  readonly ok: boolean;
  readonly detail: string;
}

export interface AfterHeal {
  readonly finalWrite: Check;
  readonly convergence: Check;
  /** One linearizable read of every key on the leader, after the nodes converged. */
  readonly finalReads: OpRecord[];
  /** Each key's value in the converged state (the leader's applied state). */
  readonly finalValues: Map<string, Value>;
}

/** The key the final write goes to; the workload never touches it. */
const FINAL_KEY = "chaos-final";

export async function verifyAfterHeal(
  cluster: ClusterView,
  w: Workload,
  nowNs: () => number,
  timeoutMs = 20_000,
): Promise<AfterHeal> {
  const leader = await cluster.waitForLeader(timeoutMs);
  const finalWrite = await writeUntilAcknowledged(w, leader, `final-${w.seed}`, nowNs, timeoutMs);
  const convergence = await waitForConvergence(cluster, [...w.keys, FINAL_KEY], timeoutMs);
  const finalReads: OpRecord[] = [];
  for (const key of w.keys) finalReads.push(await runOp(w, nowNs, w.clients, leader, "read", key, null));
  const finalValues = new Map<string, Value>();
  for (const key of w.keys) finalValues.set(key, await staleRead(cluster, leader, key));
  return { finalWrite, convergence, finalReads, finalValues };
}

async function writeUntilAcknowledged(
  w: Workload,
  leader: number,
  value: string,
  nowNs: () => number,
  timeoutMs: number,
): Promise<Check> {
  const deadline = performance.now() + timeoutMs;
  const answers: string[] = [];
  for (;;) {
    const rec = await runOp(w, nowNs, w.clients, leader, "write", FINAL_KEY, value);
    if (rec.result.completion === "ok") {
      return {
        ok: true,
        detail: `acknowledged by node ${rec.node}${answers.length ? ` after ${answers.length} retries (${answers.join(", ")})` : ""}`,
      };
    }
    answers.push(rec.result.note);
    if (performance.now() > deadline)
      return { ok: false, detail: `no write acknowledged within ${timeoutMs} ms: ${answers.slice(-5).join(", ")}` };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until every node has applied the leader's commit index, then compares every key's locally
 * applied value (`?stale=1`) across the nodes.
 */
async function waitForConvergence(cluster: ClusterView, keys: readonly string[], timeoutMs: number): Promise<Check> {
  const deadline = performance.now() + timeoutMs;
  let behind = "";
  for (;;) {
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    const commit = Math.max(...statuses.map((s) => (s?.role === "leader" ? s.commitIndex : 0)));
    const lagging = statuses
      .map((s, i) =>
        s === null
          ? `node ${i + 1} silent`
          : commit > 0 && s.appliedIndex < commit
            ? `node ${s.id} applied ${s.appliedIndex} of ${commit}`
            : null,
      )
      .filter((x) => x !== null);
    if (commit > 0 && lagging.length === 0) break;
    behind = commit === 0 ? "no leader answered" : lagging.join(", ");
    if (performance.now() > deadline)
      return { ok: false, detail: `the nodes did not converge within ${timeoutMs} ms: ${behind}` };
    await new Promise((r) => setTimeout(r, 50));
  }
  const differences: string[] = [];
  for (const key of keys) {
    const values = await Promise.all(cluster.ids.map((id) => staleRead(cluster, id, key)));
    if (values.some((v) => v !== values[0])) {
      differences.push(`${key}: ${values.map((v, i) => `node ${i + 1}=${JSON.stringify(v)}`).join(" ")}`);
    }
  }
  if (differences.length > 0) return { ok: false, detail: `applied state differs: ${differences.join("; ")}` };
  return { ok: true, detail: `${cluster.ids.length} nodes hold identical values for ${keys.length} keys` };
}

async function staleRead(cluster: ClusterView, id: number, key: string): Promise<Value> {
  const urls = cluster.ids.map((i) => cluster.clientUrl(i));
  const { result } = await send(urls, id, "GET", `/kv/${encodeURIComponent(key)}?stale=1`, undefined, 2000);
  if (result.kind === "response" && result.status === 200) return result.body;
  if (result.kind === "response" && result.status === 404) return null;
  throw new Error(
    `node ${id} did not answer a local read of ${key}: ${result.kind === "response" ? result.status : result.detail}`,
  );
}

/**
 * Keys whose last acknowledged write (or swap) is missing from the final state: the final value must be
 * that write's, or one written by an operation that may have taken effect after it (one that had not
 * returned when it began, or whose outcome is unknown).
 */
export function lostWrites(records: readonly OpRecord[], finalValues: ReadonlyMap<string, Value>): string[] {
  const lost: string[] = [];
  for (const [key, final] of finalValues) {
    const writes = records.filter((r) => r.key === key && writtenValue(r) !== undefined);
    const acked = writes.filter((r) => r.result.completion === "ok");
    if (acked.length === 0) continue;
    const last = acked.reduce((a, b) => (b.end > a.end ? b : a));
    const candidates = new Set(
      writes
        .filter((r) => r === last || r.result.completion === "unknown" || r.end > last.start)
        .map((r) => writtenValue(r)),
    );
    if (!candidates.has(final)) {
      lost.push(
        `${key}: the write of ${JSON.stringify(writtenValue(last))} by client ${last.process} was acknowledged, but the final value is ${JSON.stringify(final)}`,
      );
    }
  }
  return lost;
}

/** The value an operation would leave behind (undefined for reads and for ops that certainly did nothing). */
function writtenValue(r: OpRecord): Value | undefined {
  if (r.result.completion === "not-applied" || r.result.completion === "failed") return undefined;
  if (r.f === "write") return r.input as Value;
  if (r.f === "cas") return (r.input as [Value, Value])[1];
  return undefined;
}
