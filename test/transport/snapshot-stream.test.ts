import { describe, expect, it } from "vitest";
import { initialConf } from "../../src/core/membership.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import { CodecError, decodeSnapshotChunk, encodeSnapshotChunk, type SnapshotChunk } from "../../src/transport/codec.ts";
import { OutgoingSnapshot, SnapshotAssembler } from "../../src/transport/snapshot-stream.ts";
import { message } from "./messages.ts";

const snapMsg = (from: number, term: number, index: number, bytes: number, seed = 1): Message => {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + seed) & 0xff;
  return message({
    type: MessageType.Snap,
    from,
    to: 9,
    term,
    snapshot: { meta: { index, term, conf: initialConf([from, 9]) }, data },
  });
};

/** Every chunk of `m`, cut as the transport cuts them (the window drained after each chunk). */
function chunksOf(m: Message, chunkBytes = 4096): SnapshotChunk[] {
  const out = new OutgoingSnapshot(m, chunkBytes, 1);
  const chunks: SnapshotChunk[] = [];
  for (let c = out.next(); c !== null; c = out.next()) {
    // Through the wire format, as the receiver sees them.
    const frame = encodeSnapshotChunk(c);
    expect(frame.length).toBeLessThanOrEqual(chunkBytes);
    chunks.push(decodeSnapshotChunk(frame));
    out.written();
  }
  return chunks;
}

describe("snapshot chunks", () => {
  it("a sender keeps at most its window of chunks outstanding and reports when all are written", () => {
    const out = new OutgoingSnapshot(snapMsg(1, 2, 10, 10_000), 4096, 2);
    const first = [out.next(), out.next()];
    expect(first.every((c) => c !== null)).toBe(true);
    expect(out.next()).toBeNull(); // window full
    expect(out.written()).toBe(false);
    const third = out.next()!;
    expect(third.offset + third.data.length).toBe(10_000);
    expect(out.next()).toBeNull(); // all taken
    expect(out.written()).toBe(false);
    expect(out.written()).toBe(true);
  });

  it("reassembles a snapshot from its chunks into the same MsgSnap", () => {
    const m = snapMsg(1, 2, 10, 50_000);
    const chunks = chunksOf(m);
    expect(chunks.length).toBeGreaterThan(10);
    const a = new SnapshotAssembler();
    const results = chunks.map((c) => a.add(c));
    expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
    const got = results[results.length - 1]!;
    expect(got.type).toBe(MessageType.Snap);
    expect({ from: got.from, to: got.to, term: got.term }).toEqual({ from: 1, to: 9, term: 2 });
    expect(got.snapshot!.meta).toEqual(m.snapshot!.meta);
    expect(Buffer.compare(got.snapshot!.data, m.snapshot!.data)).toBe(0);
    expect(a.received).toBe(1);
  });

  it("carries an empty snapshot as one chunk", () => {
    const chunks = chunksOf(snapMsg(1, 2, 10, 0));
    expect(chunks).toHaveLength(1);
    expect(new SnapshotAssembler().add(chunks[0]!)?.snapshot?.data.length).toBe(0);
  });

  it("discards a partial snapshot when a newer one or another leader's starts", () => {
    const a = new SnapshotAssembler();
    const old = chunksOf(snapMsg(1, 2, 10, 20_000));
    a.add(old[0]!);
    a.add(old[1]!);
    const newer = chunksOf(snapMsg(1, 2, 20, 20_000, 7));
    for (const c of newer.slice(0, 2)) a.add(c);
    // The old stream's later chunks are ignored; they do not disturb the newer one.
    for (const c of old.slice(2)) expect(a.add(c)).toBeNull();
    const fromNewLeader = chunksOf(snapMsg(3, 5, 30, 20_000, 9));
    const results = fromNewLeader.map((c) => a.add(c));
    expect(results[results.length - 1]!.snapshot!.meta.index).toBe(30);
    // The rest of the index-20 snapshot arrives too late: nothing more is delivered.
    for (const c of newer.slice(2)) expect(a.add(c)).toBeNull();
    expect(a.received).toBe(1);
    expect(a.discarded).toBe(2);
  });

  it("ignores a chunk from an older term than the snapshot being assembled", () => {
    const a = new SnapshotAssembler();
    const current = chunksOf(snapMsg(3, 5, 30, 10_000));
    a.add(current[0]!);
    for (const c of chunksOf(snapMsg(1, 4, 40, 10_000))) expect(a.add(c)).toBeNull();
    const rest = current.slice(1).map((c) => a.add(c));
    expect(rest[rest.length - 1]!.snapshot!.meta.index).toBe(30);
  });

  it("discards a snapshot with a missing chunk, and one whose checksum does not match", () => {
    const a = new SnapshotAssembler();
    const chunks = chunksOf(snapMsg(1, 2, 10, 20_000));
    expect(
      chunks
        .filter((_, i) => i !== 2)
        .map((c) => a.add(c))
        .every((r) => r === null),
    ).toBe(true);
    expect(a.discarded).toBe(1);
    const corrupt = chunks.map((c, i) => (i === 1 ? { ...c, data: c.data.map((b) => b ^ 1) } : c));
    expect(corrupt.map((c) => a.add(c)).every((r) => r === null)).toBe(true);
    expect(a.discarded).toBe(2);
    expect(a.received).toBe(0);
  });

  it("discards a partial snapshot when its sender's connection closes", () => {
    const a = new SnapshotAssembler();
    const chunks = chunksOf(snapMsg(1, 2, 10, 20_000));
    a.add(chunks[0]!);
    a.discardFrom(2);
    a.discardFrom(1);
    expect(
      chunks
        .slice(1)
        .map((c) => a.add(c))
        .every((r) => r === null),
    ).toBe(true);
    expect(a.discarded).toBe(1);
  });

  it("refuses to encode a chunk beyond its total, and decodes no truncated chunk frame", () => {
    const [c] = chunksOf(snapMsg(1, 2, 10, 100));
    expect(() => encodeSnapshotChunk({ ...c!, total: 50 })).toThrow(CodecError);
    const frame = encodeSnapshotChunk(c!);
    for (let cut = 0; cut < frame.length; cut++)
      expect(() => decodeSnapshotChunk(frame.subarray(0, cut))).toThrow(CodecError);
  });
});
