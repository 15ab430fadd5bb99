// Deterministic one-line renderings of the core's data, for golden transcripts and failure messages.
// Entries are term/index as in etcd-io/raft's transcripts.

import { decodeConfState } from "../../../src/core/membership.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  type Ready,
} from "../../../src/core/types.ts";

const dec = new TextDecoder();

export const TYPE_NAMES: Record<number, string> = {
  [MessageType.App]: "App",
  [MessageType.AppResp]: "AppResp",
  [MessageType.Vote]: "Vote",
  [MessageType.VoteResp]: "VoteResp",
  [MessageType.PreVote]: "PreVote",
  [MessageType.PreVoteResp]: "PreVoteResp",
  [MessageType.Heartbeat]: "Heartbeat",
  [MessageType.HeartbeatResp]: "HeartbeatResp",
  [MessageType.Snap]: "Snap",
  [MessageType.TimeoutNow]: "TimeoutNow",
};

/** A configuration as `v=1,2,3 l=4` (addresses, when any, as `4@addr`). */
export function renderConf(c: ConfState): string {
  const ids = (xs: readonly number[]): string =>
    xs.map((id) => (c.addresses[id] ? `${id}@${c.addresses[id]}` : id)).join(",");
  return `v=${ids(c.voters)} l=${ids(c.learners)}`;
}

export function renderEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) return `${e.term}/${e.index} conf(${renderConf(decodeConfState(e.data))})`;
  return `${e.term}/${e.index} ${JSON.stringify(dec.decode(e.data))}`;
}

export function renderEntries(es: readonly Entry[]): string {
  return es.map(renderEntry).join(", ");
}

export function renderMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${TYPE_NAMES[m.type] ?? `type${m.type}`} term=${m.term}`;
  switch (m.type) {
    case MessageType.App:
      return `${head} prev=${m.logTerm}/${m.index} commit=${m.commit} entries=[${renderEntries(m.entries)}]`;
    case MessageType.AppResp:
      return m.reject
        ? `${head} index=${m.index} rejected hint=${m.hintTerm}/${m.rejectHint}`
        : `${head} index=${m.index}`;
    case MessageType.Vote:
    case MessageType.PreVote:
      return `${head} last=${m.logTerm}/${m.index}`;
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      return m.reject ? `${head} rejected` : `${head} granted`;
    case MessageType.Heartbeat:
      return `${head} commit=${m.commit} ctx=${m.ctx}`;
    case MessageType.HeartbeatResp:
      return `${head} ctx=${m.ctx}`;
    case MessageType.Snap:
      return `${head} snap=${m.snapshot?.meta.term}/${m.snapshot?.meta.index}`;
    default:
      return head;
  }
}

/** A Ready as indented lines (only the parts that are set). */
export function renderReady(id: number, rd: Ready): string[] {
  const out = [`> ${id} ready ${rd.seq}`];
  if (rd.softState) out.push(`  soft: ${rd.softState.role} leader=${rd.softState.leader}`);
  if (rd.conf) out.push(`  conf: ${renderConf(rd.conf)}`);
  if (rd.hardState)
    out.push(`  hard: term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
  if (rd.snapshot) out.push(`  snapshot: ${rd.snapshot.meta.term}/${rd.snapshot.meta.index}`);
  if (rd.entries.length > 0) out.push(`  entries: ${renderEntries(rd.entries)}`);
  for (const m of rd.messages) out.push(`  send: ${renderMessage(m)}`);
  for (const m of rd.persistedMessages) out.push(`  send after persist: ${renderMessage(m)}`);
  if (rd.committedEntries.length > 0) out.push(`  apply: ${renderEntries(rd.committedEntries)}`);
  for (const rs of rd.readStates) out.push(`  read: ctx=${rs.ctx} index=${rs.index}`);
  return out;
}
