// The shape check every peer message passes before the protocol looks at it. step() must never throw,
// whatever arrives (stale terms, unknown ids, indexes out of range, garbage from a fuzzer): a message
// that fails here is dropped. Semantic checks (is this index in my log?) stay with the handlers.

import { type Message, MessageType, type NodeId } from "./types.ts";

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
    prevTerm = e.term;
  }
  return true;
}

function snapshotWellFormed(m: Message): boolean {
  const s = m.snapshot;
  if (typeof s !== "object" || s === null || typeof s.meta !== "object" || s.meta === null) return false;
  return (
    isIndex(s.meta.index) &&
    s.meta.index >= 1 &&
    isIndex(s.meta.term) &&
    s.meta.term >= 1 &&
    s.meta.term <= m.term &&
    s.data instanceof Uint8Array
  );
}

/** Whether `m` is a well-formed message to `self` from another member of `voters`. */
export function isWellFormed(m: Message, self: NodeId, voters: readonly NodeId[]): boolean {
  if (typeof m !== "object" || m === null) return false;
  if (m.to !== self || m.from === self || !voters.includes(m.from)) return false;
  if (!(m.type >= MessageType.App && m.type <= MessageType.TimeoutNow)) return false;
  if (!isIndex(m.term) || m.term === 0 || !isIndex(m.logTerm) || !isIndex(m.index) || !isIndex(m.commit)) return false;
  if (!isIndex(m.rejectHint) || !isIndex(m.hintTerm) || !isIndex(m.ctx) || typeof m.reject !== "boolean") return false;
  if (!entriesWellFormed(m)) return false;
  return m.type !== MessageType.Snap || snapshotWellFormed(m);
}
