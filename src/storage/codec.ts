// Payload encodings of the record types (framing and checksums are in record.ts).
// Indexes and terms are written as two u32 halves: exact for every safe integer.

import { decodeConfState, encodeConfState } from "../core/membership.ts";
import { type ConfState, type Entry, EntryType, type HardState, type Snapshot } from "../core/types.ts";

function writeU53(buf: Buffer, offset: number, v: number): void {
  buf.writeUInt32LE(v >>> 0, offset);
  buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), offset + 4);
}

function readU53(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset + 4) * 0x1_0000_0000 + buf.readUInt32LE(offset);
}

/** Thrown when a payload with a valid checksum does not decode: a bug or a foreign file. */
class MalformedPayloadError extends Error {
  constructor(what: string) {
    super(`malformed ${what} payload`);
    this.name = "MalformedPayloadError";
  }
}

function need(buf: Buffer, offset: number, n: number, what: string): void {
  if (offset + n > buf.length) throw new MalformedPayloadError(what);
}

// Entries: first index (8), count (4), then per entry: term (8), data length (4), data.
// The entries of one append are consecutive, so only the first index is stored. The top bit of
// the data length marks a configuration entry (a record is at most 1 GiB, so the bit is free).

const CONF_ENTRY_BIT = 0x8000_0000;

export function encodeEntries(entries: readonly Entry[]): Buffer {
  let size = 12;
  for (const e of entries) size += 12 + e.data.length;
  const buf = Buffer.allocUnsafe(size);
  writeU53(buf, 0, entries[0]!.index);
  buf.writeUInt32LE(entries.length, 8);
  let o = 12;
  for (const e of entries) {
    writeU53(buf, o, e.term);
    buf.writeUInt32LE((e.data.length | (e.type === EntryType.ConfChange ? CONF_ENTRY_BIT : 0)) >>> 0, o + 8);
    buf.set(e.data, o + 12);
    o += 12 + e.data.length;
  }
  return buf;
}

/** Decodes entries, copying their data out of `buf` (so a segment's buffer is not kept alive). */
export function decodeEntries(buf: Buffer): Entry[] {
  need(buf, 0, 12, "entries");
  const first = readU53(buf, 0);
  const count = buf.readUInt32LE(8);
  if (count === 0) throw new MalformedPayloadError("entries");
  const out: Entry[] = [];
  let o = 12;
  for (let i = 0; i < count; i++) {
    need(buf, o, 12, "entries");
    const term = readU53(buf, o);
    const word = buf.readUInt32LE(o + 8);
    const len = (word & ~CONF_ENTRY_BIT) >>> 0;
    need(buf, o + 12, len, "entries");
    const data = new Uint8Array(buf.subarray(o + 12, o + 12 + len));
    if (word & CONF_ENTRY_BIT) out.push({ index: first + i, term, data, type: EntryType.ConfChange });
    else out.push({ index: first + i, term, data });
    o += 12 + len;
  }
  if (o !== buf.length) throw new MalformedPayloadError("entries");
  return out;
}

export function encodeCommit(commit: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  writeU53(buf, 0, commit);
  return buf;
}

export function decodeCommit(buf: Buffer): number {
  if (buf.length !== 8) throw new MalformedPayloadError("commit");
  return readU53(buf, 0);
}

export function encodeHardState(hs: HardState): Buffer {
  const buf = Buffer.allocUnsafe(20);
  writeU53(buf, 0, hs.term);
  buf.writeUInt32LE(hs.vote, 8);
  writeU53(buf, 12, hs.commit);
  return buf;
}

export function decodeHardState(buf: Buffer): HardState {
  if (buf.length !== 20) throw new MalformedPayloadError("hard state");
  return { term: readU53(buf, 0), vote: buf.readUInt32LE(8), commit: readU53(buf, 12) };
}

/** A snapshot file's contents: the snapshot and the first segment that is valid with it. */
export interface SnapshotFile {
  readonly snapshot: Snapshot;
  /** Segments with a lower sequence number hold nothing this snapshot does not supersede. */
  readonly firstSegmentSeq: number;
}

// Snapshot: index (8), term (8), first segment seq (4), configuration length (4), the
// configuration (membership.ts `encodeConfState`), data.

export function encodeSnapshotFile(f: SnapshotFile): Buffer {
  const { meta, data } = f.snapshot;
  const conf = encodeConfState(meta.conf);
  const head = 24 + conf.length;
  const buf = Buffer.allocUnsafe(head + data.length);
  writeU53(buf, 0, meta.index);
  writeU53(buf, 8, meta.term);
  buf.writeUInt32LE(f.firstSegmentSeq, 16);
  buf.writeUInt32LE(conf.length, 20);
  buf.set(conf, 24);
  buf.set(data, head);
  return buf;
}

export function decodeSnapshotFile(buf: Buffer): SnapshotFile {
  need(buf, 0, 24, "snapshot");
  const n = buf.readUInt32LE(20);
  need(buf, 24, n, "snapshot");
  let conf: ConfState;
  try {
    conf = decodeConfState(buf.subarray(24, 24 + n));
  } catch {
    throw new MalformedPayloadError("snapshot configuration");
  }
  return {
    snapshot: {
      meta: { index: readU53(buf, 0), term: readU53(buf, 8), conf },
      data: new Uint8Array(buf.subarray(24 + n)),
    },
    firstSegmentSeq: buf.readUInt32LE(16),
  };
}
