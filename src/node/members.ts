// The members of a running cluster as the node sees them: the configuration in force (core
// `ConfState`) with every member's URLs. A member added at run time carries its address in the
// configuration (opaque to the core) as JSON, {"client":"http://h:7004","peer":"ws://h:7104"}, so
// every node can dial it and send clients there; the initial members' addresses come from the
// node's own cluster file or --peers.

import type { ConfState, NodeId } from "../core/types.ts";
import type { MemberInfo } from "./api-types.ts";
import { clientUrlOf, type MemberAddress, parseMemberUrls, peerUrlOf } from "./cluster-file.ts";

/** The address a configuration keeps for member `m`. */
export function addressText(m: MemberAddress): string {
  return JSON.stringify({ client: clientUrlOf(m), peer: peerUrlOf(m) });
}

/** Member `id`'s address from a configuration, or null when it holds none this node can use. */
export function addressFrom(id: NodeId, text: string): MemberAddress | null {
  try {
    const { client, peer } = JSON.parse(text) as { client?: unknown; peer?: unknown };
    if (typeof client !== "string" || typeof peer !== "string") return null;
    return parseMemberUrls(id, client, peer);
  } catch {
    return null;
  }
}

/** Every member of `conf`, voters first, with its URLs where `addressOf` knows them. */
export function memberList(conf: ConfState, addressOf: (id: NodeId) => MemberAddress | undefined): MemberInfo[] {
  const info = (id: NodeId, role: MemberInfo["role"]): MemberInfo => {
    const a = addressOf(id);
    return { id, role, client: a ? clientUrlOf(a) : null, peer: a ? peerUrlOf(a) : null };
  };
  return [...conf.voters.map((id) => info(id, "voter")), ...conf.learners.map((id) => info(id, "learner"))];
}
