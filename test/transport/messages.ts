// fast-check generators of every Message shape the codec must carry.

import fc from "fast-check";
import { confEntry } from "../../src/core/membership.ts";
import { makeMessage } from "../../src/core/message.ts";
import { type ConfState, type Entry, type Message, MessageType } from "../../src/core/types.ts";

const ALL_TYPES = [
  MessageType.App,
  MessageType.AppResp,
  MessageType.Vote,
  MessageType.VoteResp,
  MessageType.PreVote,
  MessageType.PreVoteResp,
  MessageType.Heartbeat,
  MessageType.HeartbeatResp,
  MessageType.Snap,
  MessageType.TimeoutNow,
] as const;

/** Small values most of the time, up to 2^53 - 1 sometimes (varint edges). */
export const arbUint = fc.oneof(
  { weight: 4, arbitrary: fc.nat(300) },
  { weight: 2, arbitrary: fc.nat() },
  { weight: 1, arbitrary: fc.maxSafeNat() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      127,
      128,
      16383,
      16384,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 35,
      Number.MAX_SAFE_INTEGER,
    ),
  },
);

const arbBytes = fc.uint8Array({ maxLength: 300 });

/** Any valid configuration: distinct voters and learners, addresses for some members. */
export const arbConf: fc.Arbitrary<ConfState> = fc
  .tuple(
    fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { maxLength: 9 }),
    fc.nat(9),
    fc.array(fc.string({ maxLength: 40 }), { maxLength: 9 }),
  )
  .map(([ids, split, addrs]) => ({
    voters: ids.slice(0, split),
    learners: ids.slice(split),
    addresses: Object.fromEntries(addrs.slice(0, ids.length).map((a, i) => [ids[i]!, a])),
  }));

const arbEntries: fc.Arbitrary<Entry[]> = fc.oneof(
  // Consecutive indexes, as in AppendEntries.
  fc
    .tuple(fc.nat(1_000_000), fc.array(fc.tuple(arbUint, arbBytes), { maxLength: 40 }))
    .map(([first, list]) => list.map(([term, data], i) => ({ index: first + i, term, data }))),
  // With configuration entries among them.
  fc
    .tuple(fc.nat(1_000_000), fc.array(fc.tuple(arbUint, arbBytes, fc.option(arbConf)), { maxLength: 10 }))
    .map(([first, list]) =>
      list.map(([term, data, conf], i) =>
        conf === null ? { index: first + i, term, data } : confEntry(first + i, term, conf),
      ),
    ),
  // Anything the type allows.
  fc.array(fc.record({ index: arbUint, term: arbUint, data: arbBytes }), { maxLength: 10 }),
);

export const arbMessage: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...ALL_TYPES),
  from: arbUint,
  to: arbUint,
  term: arbUint,
  logTerm: arbUint,
  index: arbUint,
  entries: arbEntries,
  commit: arbUint,
  reject: fc.boolean(),
  rejectHint: arbUint,
  hintTerm: arbUint,
  ctx: arbUint,
  snapshot: fc.option(
    fc.record({
      meta: fc.record({ index: arbUint, term: arbUint, conf: arbConf }),
      data: fc.uint8Array({ maxLength: 2000 }),
    }),
  ),
});

export function message(fields: Partial<Message>): Message {
  return makeMessage({ type: MessageType.Heartbeat, from: 1, to: 2, term: 1, ...fields });
}
