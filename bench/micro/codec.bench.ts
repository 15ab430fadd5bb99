// Hand-written peer-message codec vs msgpackr, the comparison behind the choice in
// src/transport/codec.ts (the figures are written there). Run alone:
//   npm run bench:micro -- --filter codec

import { Packr } from "msgpackr";
import type { Bench } from "tinybench";
import { makeMessage } from "../../src/core/message.ts";
import { type Entry, type Message, MessageType } from "../../src/core/types.ts";
import { decodeMessages, encodeMessages } from "../../src/transport/codec.ts";

function message(fields: Partial<Message>): Message {
  return makeMessage({ type: MessageType.Heartbeat, from: 1, to: 2, term: 7, ...fields });
}

function entries(count: number, bytes: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    index: 100_001 + i,
    term: 7,
    data: new Uint8Array(bytes).fill(i & 0xff),
  }));
}

const CASES: ReadonlyArray<{ name: string; msgs: Message[] }> = [
  { name: "heartbeat", msgs: [message({ commit: 100_000, ctx: 42 })] },
  {
    name: "App 1x64B",
    msgs: [message({ type: MessageType.App, logTerm: 7, index: 100_000, commit: 99_990, entries: entries(1, 64) })],
  },
  {
    name: "App 64x64B",
    msgs: [message({ type: MessageType.App, logTerm: 7, index: 100_000, commit: 99_990, entries: entries(64, 64) })],
  },
];

// msgpackr as a wire protocol would use it: no record structures shared between calls (they
// would have to be kept in sync across reconnecting peers).
const packr = new Packr({ useRecords: false });

export function register(bench: Bench): void {
  for (const { name, msgs } of CASES) {
    const hand = encodeMessages(msgs);
    const packed = packr.pack(msgs);
    bench
      .add(`codec hand encode ${name} (${hand.length} B)`, () => {
        encodeMessages(msgs);
      })
      .add(`codec hand decode ${name}`, () => {
        decodeMessages(hand);
      })
      .add(`codec msgpackr encode ${name} (${packed.length} B)`, () => {
        packr.pack(msgs);
      })
      .add(`codec msgpackr decode ${name}`, () => {
        packr.unpack(packed);
      });
  }
}
