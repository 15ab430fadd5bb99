// Builds a Message from the fields that matter for its type; every other field is zero / empty, as
// the flat message layout (types.ts) expects.

import type { Message } from "./types.ts";

export type MessageFields = Partial<Message> & Pick<Message, "type" | "from" | "to" | "term">;

export function makeMessage(f: MessageFields): Message {
  return {
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    hintTerm: 0,
    ctx: 0,
    snapshot: null,
    ...f,
  };
}
