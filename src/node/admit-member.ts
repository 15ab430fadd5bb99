// Admitting a node to a running cluster the way the thesis recommends (§4.2.1): add it as a learner,
// let it catch up, then promote it. The leader decides when it has caught up (it refuses the
// promotion with 503 `busy` until then); this only asks again. Any member will do as the first
// contact: a follower redirects to the leader.

import { ApiError, type NodeClient, NoResponseError } from "./api-client.ts";
import { clientUrlOf, type MemberAddress, peerUrlOf } from "./cluster-file.ts";

export interface AdmitOptions {
  /** Promote the learner to voter once it has caught up (default); false leaves it a learner. */
  readonly promote: boolean;
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Progress, one line at a time. */
  readonly log?: (line: string) => void;
}

/** How long to wait before asking again after a `busy`, no leader or no answer. */
const RETRY_MS = 200;

/** Adds `node` as a learner through `members` (any of them), then promotes it unless told not to. */
export async function admitMember(members: readonly NodeClient[], node: MemberAddress, o: AdmitOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const body = { op: "add-learner", id: node.id, client: clientUrlOf(node), peer: peerUrlOf(node) } as const;
  await retrying(members, deadline, `adding node ${node.id} as a learner`, (c) => c.changeMembers(body), "learner");
  o.log?.(`node ${node.id} is a learner`);
  if (!o.promote) return;
  const promote = { op: "promote", id: node.id } as const;
  await retrying(members, deadline, `promoting node ${node.id}`, (c) => c.changeMembers(promote), "voter");
  o.log?.(`node ${node.id} is a voter`);
}

/**
 * Runs `call` on each member in turn until one succeeds, or answers 409 because the node already
 * is a `role` (an earlier attempt whose answer was lost did it). Retries what may succeed later.
 */
async function retrying(
  members: readonly NodeClient[],
  deadline: number,
  what: string,
  call: (c: NodeClient) => Promise<unknown>,
  role: string,
): Promise<void> {
  let last = "no member answered";
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const member = members[attempt % members.length]!;
    try {
      await call(member);
      return;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.message.includes(`already a ${role}`)) return;
      const retry = err instanceof NoResponseError || (err instanceof ApiError && err.status === 503);
      if (!retry) throw new Error(`${what}: ${(err as Error).message}`);
      last = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  throw new Error(`${what}: gave up (${last})`);
}
