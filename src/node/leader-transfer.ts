// Leadership transfer as the node sees it: which follower to hand over to when none is named, and
// where a transfer this node started stands, read from the core's status after each step or tick.

import type { RaftStatus } from "../core/status.ts";
import { NONE } from "../core/types.ts";

export type TransferFailure =
  | "not_leader"
  | "single_node"
  | "not_voter"
  | "self"
  | "aborted"
  | "superseded"
  | "stopped";

export type TransferOutcome =
  | { readonly ok: true; readonly leader: number }
  | { readonly ok: false; readonly code: TransferFailure; readonly leader: number; readonly message: string };

/** The follower with the most of the leader's log (ties to the lowest id), or null with no follower. */
export function mostUpToDateFollower(status: RaftStatus): number | null {
  let best: number | null = null;
  let bestMatch = -1;
  for (const [key, pr] of Object.entries(status.progress ?? {})) {
    const id = Number(key);
    if (id === status.id) continue;
    if (pr.match > bestMatch || (pr.match === bestMatch && best !== null && id < best)) {
      best = id;
      bestMatch = pr.match;
    }
  }
  return best;
}

/** How a transfer to `to` this node started stands now; null while it is under way. */
export function transferProgress(status: RaftStatus, to: number): TransferOutcome | null {
  if (status.leader === to) return { ok: true, leader: to };
  if (status.role === "leader" && status.leadTransferee !== to) {
    return {
      ok: false,
      code: status.leadTransferee === NONE ? "aborted" : "superseded",
      leader: status.id,
      message:
        status.leadTransferee === NONE
          ? `node ${to} did not take over within an election timeout; node ${status.id} leads on`
          : `replaced by a transfer to node ${status.leadTransferee}`,
    };
  }
  if (status.role !== "leader" && status.leader !== NONE) {
    return { ok: false, code: "aborted", leader: status.leader, message: `node ${status.leader} was elected instead` };
  }
  return null;
}
