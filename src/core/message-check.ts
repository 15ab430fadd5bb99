// The shape check every peer message passes before the protocol looks at it. step() must never throw,
// whatever arrives (stale terms, unknown ids, indexes out of range, garbage from a fuzzer): a message
// that fails here is dropped. Semantic checks (is this index in my log?) stay with the handlers.

import { decodeConfState } from "./membership.ts";
import { EntryType, type Message, MessageType, type NodeId } from "./types.ts";

const isIndex = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function entriesWellFormed(m: Message): boolean {
  if (!Array.isArray(m.entries)) return false;
  if (m.type !== MessageType.App) return true;
  let prevTerm = m.logTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i];
    if (typeof e !== "object" || e === null) return false;
    if (e.index !== m.index + 1 + i || !isIndex(e.term) || e.term < 1) return false;
    // Log Matching: terms never decrease along a log, and no entry is newer than its leader.
    if (e.term < prevTerm || e.term > m.term || !(e.data instanceof Uint8Array)) return false;
    if (e.type !== undefined && !(e.type === EntryType.ConfChange && confDecodes(e.data))) return false;
    prevTerm = e.term;
  }
  return true;
}

function confDecodes(data: Uint8Array): boolean {
  try {
    decodeConfState(data);
    return true;
  } catch {
    return false;
  }
}

const isIdList = (ids: unknown): boolean =>
  Array.isArray(ids) && ids.every((id) => isIndex(id) && id > 0) && new Set(ids).size === ids.length;

function snapshotWellFormed(m: Message): boolean {
  const s = m.snapshot;
  if (typeof s !== "object" || s === null || typeof s.meta !== "object" || s.meta === null) return false;
  return (
    isIndex(s.meta.index) &&
    s.meta.index >= 1 &&
    isIndex(s.meta.term) &&
    s.meta.term >= 1 &&
    s.meta.term <= m.term &&
    typeof s.meta.conf === "object" &&
    s.meta.conf !== null &&
    isIdList(s.meta.conf.voters) &&
    isIdList(s.meta.conf.learners) &&
    typeof s.meta.conf.addresses === "object" &&
    s.meta.conf.addresses !== null &&
    s.data instanceof Uint8Array
  );
}

/**
 * Whether `m` is a well-formed message to `self` from another node. The sender need not be in this
 * node's configuration, which may be behind: a node joining the cluster has none at all.
 */
export function isWellFormed(m: Message, self: NodeId): boolean {
  if (typeof m !== "object" || m === null) return false;
  if (m.to !== self || m.from === self || !isIndex(m.from) || m.from === 0) return false;
  if (!(m.type >= MessageType.App && m.type <= MessageType.TimeoutNow)) return false;
  if (!isIndex(m.term) || m.term === 0 || !isIndex(m.logTerm) || !isIndex(m.index) || !isIndex(m.commit)) return false;
  if (!isIndex(m.rejectHint) || !isIndex(m.hintTerm) || !isIndex(m.ctx) || typeof m.reject !== "boolean") return false;
  if (!entriesWellFormed(m)) return false;
  return m.type !== MessageType.Snap || snapshotWellFormed(m);
}
