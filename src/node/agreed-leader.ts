// Finding a cluster's leader from outside: poll every member's /status until one reports itself
// leader and a majority (of those answering, at most of the cluster) name it leader of its term.
// Used for the clusters this project starts and for the ones it only targets.

import type { NodeClient } from "./api-client.ts";
import type { NodeStatus } from "./api-types.ts";

/** How long one /status may take: a paused or unreachable member must not hold up the poll. */
const STATUS_TIMEOUT_MS = 1000;
const POLL_MS = 50;

/** The id of the leader the members agree on; rejects after `timeoutMs` saying what each member said. */
export async function waitForAgreedLeader(
  members: () => ReadonlyMap<number, NodeClient>,
  clusterSize: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = (
      await Promise.all(
        [...members().values()].map((c) => c.status({ timeoutMs: STATUS_TIMEOUT_MS }).catch(() => null)),
      )
    ).filter((s): s is NodeStatus => s !== null);
    const leader = statuses.find((s) => s.role === "leader");
    const majority = Math.floor(clusterSize / 2) + 1;
    if (
      leader &&
      statuses.filter((s) => s.leader === leader.id && s.term === leader.term).length >=
        Math.min(majority, statuses.length)
    ) {
      return leader.id;
    }
    if (Date.now() > deadline) {
      const seen = statuses
        .map((s) => `node ${s.id}: ${s.role} term ${s.term} leader ${s.leader ?? "none"}`)
        .join("; ");
      throw new Error(`no leader elected within ${timeoutMs} ms (${seen || "no node answered /status"})`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
