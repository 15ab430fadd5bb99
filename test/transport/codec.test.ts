import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { confEntry, initialConf } from "../../src/core/membership.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import { CodecError, decodeMessages, encodeMessages } from "../../src/transport/codec.ts";
import { arbMessage, message } from "./messages.ts";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");

/** Payloads as hex, so Buffer views and Uint8Arrays compare by content. */
function plain(m: Message): unknown {
  return {
    ...m,
    entries: m.entries.map((e) => ({ ...e, data: hex(e.data) })),
    snapshot: m.snapshot === null ? null : { meta: m.snapshot.meta, data: hex(m.snapshot.data) },
  };
}

function roundTrip(msgs: Message[]): Message[] {
  return decodeMessages(encodeMessages(msgs));
}

function expectOnlyCodecError(frame: Uint8Array): void {
  try {
    decodeMessages(frame);
  } catch (err) {
    if (!(err instanceof CodecError)) throw new Error(`decoder threw ${String(err)}, not a CodecError`);
  }
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const EXAMPLES: Message[] = [
  message({
    type: MessageType.App,
    term: 3,
    logTerm: 2,
    index: 41,
    commit: 40,
    entries: [
      { index: 42, term: 3, data: bytes(64, 1) },
      { index: 43, term: 3, data: new Uint8Array(0) },
      confEntry(44, 3, { voters: [1, 2, 3], learners: [4], addresses: { 4: "http://h:7004 ws://h:7104" } }),
    ],
  }),
  message({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 43 }),
  message({ type: MessageType.AppResp, from: 2, to: 1, term: 3, index: 50, reject: true, rejectHint: 44, hintTerm: 2 }),
  message({ type: MessageType.Vote, term: 4, logTerm: 3, index: 43 }),
  message({ type: MessageType.VoteResp, from: 3, to: 1, term: 4, reject: true }),
  message({ type: MessageType.PreVote, term: 5, logTerm: 3, index: 43 }),
  message({ type: MessageType.PreVoteResp, from: 2, to: 1, term: 5 }),
  message({ type: MessageType.Heartbeat, term: 3, commit: 43, ctx: 9 }),
  message({ type: MessageType.HeartbeatResp, from: 2, to: 1, term: 3, ctx: 9 }),
  message({
    type: MessageType.Snap,
    term: 3,
    snapshot: {
      meta: { index: 1000, term: 3, conf: { voters: [1, 2], learners: [5], addresses: { 5: "x" } } },
      data: bytes(5000, 7),
    },
  }),
  message({ type: MessageType.TimeoutNow, term: 3 }),
];

describe("codec round trip", () => {
  it("carries every message type, alone and all in one frame", () => {
    for (const m of EXAMPLES) expect(roundTrip([m]).map(plain)).toEqual([plain(m)]);
    expect(roundTrip(EXAMPLES).map(plain)).toEqual(EXAMPLES.map(plain));
  });

  it("round-trips any frame of arbitrary messages (property)", () => {
    fc.assert(
      fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 8 }), (msgs) => {
        expect(roundTrip(msgs).map(plain)).toEqual(msgs.map(plain));
      }),
      { numRuns: 500 },
    );
  });

  it("carries a 10,000-entry batch and a 4 MiB snapshot", () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({ index: 2 ** 40 + i, term: 9, data: bytes(100, i) }));
    const app = message({ type: MessageType.App, term: 9, index: 2 ** 40 - 1, logTerm: 9, entries });
    const snap = message({
      type: MessageType.Snap,
      term: 9,
      snapshot: { meta: { index: 7e6, term: 8, conf: initialConf([1, 2, 3, 4, 5]) }, data: bytes(4 << 20, 3) },
    });
    const [a, s] = roundTrip([app, snap]);
    expect(plain(a!)).toEqual(plain(app));
    expect(plain(s!)).toEqual(plain(snap));
  });

  it("returns payloads as views into the frame, not copies", () => {
    const frame = encodeMessages([EXAMPLES[0]!, EXAMPLES[9]!]);
    const [app, snap] = decodeMessages(frame);
    expect(app!.entries[0]!.data.buffer).toBe(frame.buffer);
    expect(snap!.snapshot!.data.buffer).toBe(frame.buffer);
  });

  it("keeps a heartbeat to a few bytes (zero fields are omitted)", () => {
    expect(encodeMessages([message({ term: 7, commit: 100_000, ctx: 42 })]).length).toBeLessThanOrEqual(12);
  });

  it("refuses to encode what it cannot represent, with a CodecError", () => {
    expect(() => encodeMessages([])).toThrow(CodecError);
    expect(() => encodeMessages([message({ term: -1 })])).toThrow(CodecError);
    expect(() => encodeMessages([message({ commit: 1.5 })])).toThrow(CodecError);
    expect(() => encodeMessages([message({ index: 2 ** 53 })])).toThrow(CodecError);
    expect(() => encodeMessages([message({ type: 11 as MessageType })])).toThrow(CodecError);
  });
});

describe("codec rejects malformed input with CodecError only", () => {
  it("rejects a truncated frame at every cut offset", () => {
    const frame = encodeMessages(EXAMPLES);
    for (let cut = 0; cut < frame.length; cut++) {
      expect(() => decodeMessages(frame.subarray(0, cut)), `cut at ${cut}`).toThrow(CodecError);
    }
  });

  it("rejects every truncation of arbitrary frames (property)", () => {
    fc.assert(
      fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 3 }), fc.nat(), (msgs, at) => {
        const frame = encodeMessages(msgs);
        expect(() => decodeMessages(frame.subarray(0, at % frame.length))).toThrow(CodecError);
      }),
      { numRuns: 500 },
    );
  });

  it("rejects trailing bytes", () => {
    const frame = encodeMessages([EXAMPLES[1]!]);
    expect(() => decodeMessages(Uint8Array.of(...frame, 0))).toThrow(CodecError);
  });

  it("throws nothing but CodecError on random garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (g) => expectOnlyCodecError(g)),
      { numRuns: 3000 },
    );
    // With a valid header, so the garbage reaches the message parser.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (g) => expectOnlyCodecError(Uint8Array.of(0xa7, 1, ...g))),
      { numRuns: 3000 },
    );
  });

  it("throws nothing but CodecError on corrupted valid frames", () => {
    fc.assert(
      fc.property(
        fc.array(arbMessage, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (msgs, flips) => {
          const frame = Uint8Array.from(encodeMessages(msgs));
          for (const [at, value] of flips) frame[at % frame.length] = value;
          expectOnlyCodecError(frame);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("fails fast on huge counts and lengths instead of allocating them", () => {
    const hugeVarint = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]; // 2^53 - 1
    // A frame that claims 2^53 - 1 messages.
    expect(() => decodeMessages(Uint8Array.of(0xa7, 1, ...hugeVarint))).toThrow(/count/);
    // An App claiming 2^53 - 1 entries, then a payload length of 2^53 - 1.
    const head = [0xa7, 1, 1, MessageType.App, 0x80, 0x01, 1, 2, 3]; // mask = entries
    expect(() => decodeMessages(Uint8Array.of(...head, ...hugeVarint, 1, 1))).toThrow(/count/);
    expect(() => decodeMessages(Uint8Array.of(...head, 1, 5, 1, 3, ...hugeVarint))).toThrow(/payload/);
    // A varint that never ends.
    expect(() => decodeMessages(Uint8Array.of(0xa7, 1, ...new Array<number>(20).fill(0x80)))).toThrow(CodecError);
  });
});
