// The wire format of peer messages: one frame (one WebSocket message) carries one or more Messages,
// so everything a peer's send queue coalesced goes out in one socket write.
//
// Hand-written rather than msgpackr, by the tinybench comparison in bench/micro/codec.bench.ts
// (Node 20.20, this 2-core VM shared with other work; median ns per call, frame size in bytes;
// msgpackr as `new Packr({ useRecords: false })`, since shared record structures would have to be
// kept in sync across reconnecting peers):
//
//   case                     | hand encode | hand decode | msgpackr encode | msgpackr decode | bytes hand / msgpackr
//   heartbeat                |     150     |      80     |        631      |        501      |     12 / 108
//   App, 1 entry of 64 B     |     201     |     180     |      1,042      |      1,442      |     87 / 203
//   App, 64 entries of 64 B  |   3,174     |   3,735     |     19,940      |     17,486      |  4,245 / 5,938
//
// i.e. 4–8x faster both ways and 1.4–9x smaller, and decoded payloads are views into the frame.
//
// The format omits zero fields (a presence mask), writes integers as varints and sends entry
// indexes once per batch when they are consecutive (they always are in AppendEntries).
//
//   frame    := MAGIC VERSION count:varint message{count}
//   message  := type:u8 mask:varint from:varint to:varint term:varint
//               [logTerm] [index] [commit] [rejectHint] [hintTerm] [ctx]   (varints, when mask says)
//               [entries] [snapshot]                                       (when mask says)
//   entries  := count:varint first:varint layout:u8 entry{count}
//   entry    := [index:varint unless consecutive] [type:u8 if typed] term:varint len:varint bytes{len}
//   snapshot := index:varint term:varint confLen:varint conf{confLen} len:varint bytes{len}
//
// `layout` bit 0 says the entries are consecutive, bit 1 that each carries its type (only a batch
// with a configuration entry pays the byte). `conf` is the configuration at the snapshot, in the
// core's own encoding (membership.ts `encodeConfState`).
//
// A snapshot is sent as a sequence of chunk frames instead (snapshot-stream.ts), each on its own:
//
//   chunk    := CHUNK_MAGIC VERSION from:varint to:varint term:varint
//               index:varint snapTerm:varint confLen:varint conf{confLen}
//               total:varint offset:varint crc32:varint len:varint bytes{len}
//
// where `total` is the size of the whole snapshot data, `offset` this chunk's place in it and
// `crc32` the CRC-32 of the whole data (checked once the last chunk is in).
//
// Integers are non-negative safe integers (LEB128, at most 8 bytes). Decoding never trusts a
// length: every count is checked against the bytes left before anything is allocated, so garbage
// fails fast with a CodecError. Decoded entry and snapshot payloads are views into the frame (no
// copy); the caller must own the frame's memory for as long as it keeps the messages.

import { ConfDecodeError, decodeConfState, encodeConfState } from "../core/membership.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type Message,
  type MessageType,
  type NodeId,
  type Snapshot,
  type SnapshotMeta,
} from "../core/types.ts";

export class CodecError extends Error {
  override readonly name = "CodecError";
}

const MAGIC = 0xa7;
const CHUNK_MAGIC = 0xa8;
const VERSION = 1;
const MAX_TYPE = 10; // MessageType.TimeoutNow

const F_REJECT = 1;
const F_LOG_TERM = 2;
const F_INDEX = 4;
const F_COMMIT = 8;
const F_REJECT_HINT = 16;
const F_HINT_TERM = 32;
const F_CTX = 64;
const F_ENTRIES = 128;
const F_SNAPSHOT = 256;
const F_ALL = 511;

/** Smallest encodings, used to bound counts read from the wire before looping over them. */
const MIN_MESSAGE_BYTES = 5; // type, mask, from, to, term
const MIN_ENTRY_BYTES = 2; // term, len (index omitted when consecutive)

const EMPTY_ENTRIES: readonly Entry[] = Object.freeze([]);

const LAYOUT_CONSECUTIVE = 1;
const LAYOUT_TYPED = 2;

function varintSize(n: number): number {
  if (n >>> 0 === n) return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
  if (!Number.isSafeInteger(n) || n < 0) throw new CodecError(`cannot encode ${n}: not a non-negative safe integer`);
  let size = 5;
  for (let rest = Math.floor(n / 2 ** 35); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n > 0x7fffffff) {
    b[p++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  while (n > 0x7f) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  return p;
}

function entriesLayout(entries: readonly Entry[]): number {
  const first = entries[0]!.index;
  let layout = LAYOUT_CONSECUTIVE;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.index !== first + i) layout &= ~LAYOUT_CONSECUTIVE;
    if (e.type !== undefined) layout |= LAYOUT_TYPED;
  }
  return layout;
}

/** A snapshot's configuration as it travels; encoded once per snapshot (the size pass and the write). */
const confCache = new WeakMap<ConfState, Uint8Array>();

function confBytes(conf: ConfState): Uint8Array {
  let b = confCache.get(conf);
  if (b === undefined) {
    b = encodeConfState(conf);
    confCache.set(conf, b);
  }
  return b;
}

function writeBytes(b: Uint8Array, p: number, bytes: Uint8Array): number {
  p = writeVarint(b, p, bytes.length);
  b.set(bytes, p);
  return p + bytes.length;
}

function maskOf(m: Message): number {
  let mask = 0;
  if (m.reject) mask |= F_REJECT;
  if (m.logTerm !== 0) mask |= F_LOG_TERM;
  if (m.index !== 0) mask |= F_INDEX;
  if (m.commit !== 0) mask |= F_COMMIT;
  if (m.rejectHint !== 0) mask |= F_REJECT_HINT;
  if (m.hintTerm !== 0) mask |= F_HINT_TERM;
  if (m.ctx !== 0) mask |= F_CTX;
  if (m.entries.length > 0) mask |= F_ENTRIES;
  if (m.snapshot !== null) mask |= F_SNAPSHOT;
  return mask;
}

function messageSize(m: Message, mask: number): number {
  if (!(m.type >= 1 && m.type <= MAX_TYPE)) throw new CodecError(`cannot encode message type ${m.type}`);
  let size = 1 + varintSize(mask) + varintSize(m.from) + varintSize(m.to) + varintSize(m.term);
  if (mask & F_LOG_TERM) size += varintSize(m.logTerm);
  if (mask & F_INDEX) size += varintSize(m.index);
  if (mask & F_COMMIT) size += varintSize(m.commit);
  if (mask & F_REJECT_HINT) size += varintSize(m.rejectHint);
  if (mask & F_HINT_TERM) size += varintSize(m.hintTerm);
  if (mask & F_CTX) size += varintSize(m.ctx);
  if (mask & F_ENTRIES) {
    const entries = m.entries;
    const layout = entriesLayout(entries);
    size += varintSize(entries.length) + varintSize(entries[0]!.index) + 1;
    for (const e of entries) {
      if (!(layout & LAYOUT_CONSECUTIVE)) size += varintSize(e.index);
      if (layout & LAYOUT_TYPED) size += 1;
      size += varintSize(e.term) + varintSize(e.data.length) + e.data.length;
    }
  }
  if (mask & F_SNAPSHOT) {
    const s = m.snapshot!;
    const conf = confBytes(s.meta.conf);
    size += varintSize(s.meta.index) + varintSize(s.meta.term) + varintSize(conf.length) + conf.length;
    size += varintSize(s.data.length) + s.data.length;
  }
  return size;
}

function writeMessage(b: Uint8Array, p: number, m: Message, mask: number): number {
  b[p++] = m.type;
  p = writeVarint(b, p, mask);
  p = writeVarint(b, p, m.from);
  p = writeVarint(b, p, m.to);
  p = writeVarint(b, p, m.term);
  if (mask & F_LOG_TERM) p = writeVarint(b, p, m.logTerm);
  if (mask & F_INDEX) p = writeVarint(b, p, m.index);
  if (mask & F_COMMIT) p = writeVarint(b, p, m.commit);
  if (mask & F_REJECT_HINT) p = writeVarint(b, p, m.rejectHint);
  if (mask & F_HINT_TERM) p = writeVarint(b, p, m.hintTerm);
  if (mask & F_CTX) p = writeVarint(b, p, m.ctx);
  if (mask & F_ENTRIES) {
    const entries = m.entries;
    const layout = entriesLayout(entries);
    p = writeVarint(b, p, entries.length);
    p = writeVarint(b, p, entries[0]!.index);
    b[p++] = layout;
    for (const e of entries) {
      if (!(layout & LAYOUT_CONSECUTIVE)) p = writeVarint(b, p, e.index);
      if (layout & LAYOUT_TYPED) b[p++] = e.type ?? EntryType.Normal;
      p = writeVarint(b, p, e.term);
      p = writeVarint(b, p, e.data.length);
      b.set(e.data, p);
      p += e.data.length;
    }
  }
  if (mask & F_SNAPSHOT) {
    const s = m.snapshot!;
    p = writeVarint(b, p, s.meta.index);
    p = writeVarint(b, p, s.meta.term);
    p = writeBytes(b, p, confBytes(s.meta.conf));
    p = writeVarint(b, p, s.data.length);
    b.set(s.data, p);
    p += s.data.length;
  }
  return p;
}

/**
 * Encodes `msgs` (at least one) into one frame. Entry payloads are copied once, into the frame.
 * Throws CodecError for a message that cannot be represented (unknown type, negative or unsafe
 * integer).
 */
export function encodeMessages(msgs: readonly Message[]): Uint8Array {
  if (msgs.length === 0) throw new CodecError("cannot encode an empty frame");
  const masks = new Array<number>(msgs.length);
  let size = 2 + varintSize(msgs.length);
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const mask = maskOf(m);
    masks[i] = mask;
    size += messageSize(m, mask);
  }
  // Every byte is written below (checked), so unzeroed pooled memory never leaks onto the wire.
  const b: Uint8Array = Buffer.allocUnsafe(size);
  b[0] = MAGIC;
  b[1] = VERSION;
  let p = writeVarint(b, 2, msgs.length);
  for (let i = 0; i < msgs.length; i++) p = writeMessage(b, p, msgs[i]!, masks[i]!);
  if (p !== size) throw new CodecError(`internal: wrote ${p} bytes of a ${size}-byte frame`);
  return b;
}

/** A cursor over a frame; every read checks bounds and throws CodecError. */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new CodecError(`truncated frame at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= b.length) throw new CodecError(`truncated frame at byte ${p}`);
    let byte = b[p++]!;
    if (byte < 0x80) {
      this.pos = p;
      return byte;
    }
    let value = byte & 0x7f;
    let scale = 0x80;
    for (let i = 1; ; i++) {
      if (p >= b.length) throw new CodecError(`truncated varint at byte ${p}`);
      if (i === 8) throw new CodecError(`varint longer than 8 bytes at byte ${this.pos}`);
      byte = b[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    if (value > Number.MAX_SAFE_INTEGER) throw new CodecError(`integer beyond 2^53 at byte ${this.pos}`);
    this.pos = p;
    return value;
  }

  /** A count of items that each take at least `minBytes`; bounded by what is left of the frame. */
  count(minBytes: number, what: string): number {
    const n = this.varint();
    if (n * minBytes > this.remaining)
      throw new CodecError(`${what} count ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (len > this.remaining) throw new CodecError(`payload of ${len} bytes exceeds the ${this.remaining} bytes left`);
    const start = this.pos;
    this.pos += len;
    return this.buf.subarray(start, this.pos);
  }
}

function readEntries(r: Reader): Entry[] {
  const n = r.count(MIN_ENTRY_BYTES, "entry");
  if (n === 0) throw new CodecError("entries flag set with no entries");
  const first = r.varint();
  const layout = r.u8();
  if (layout > (LAYOUT_CONSECUTIVE | LAYOUT_TYPED)) throw new CodecError(`bad entries layout ${layout}`);
  const consecutive = (layout & LAYOUT_CONSECUTIVE) !== 0;
  const typed = (layout & LAYOUT_TYPED) !== 0;
  if (consecutive && first + n - 1 > Number.MAX_SAFE_INTEGER) throw new CodecError("entry index beyond 2^53");
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const index = consecutive ? first + i : r.varint();
    if (!consecutive && i === 0 && index !== first) throw new CodecError("first entry index disagrees with header");
    const type = typed ? r.u8() : EntryType.Normal;
    const term = r.varint();
    const data = r.bytes();
    if (type === EntryType.Normal) entries.push({ index, term, data });
    else if (type === EntryType.ConfChange) entries.push({ index, term, data, type });
    else throw new CodecError(`unknown entry type ${type}`);
  }
  return entries;
}

function readConf(r: Reader): ConfState {
  try {
    return decodeConfState(r.bytes());
  } catch (err) {
    if (err instanceof ConfDecodeError) throw new CodecError(err.message);
    throw err;
  }
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.varint();
  const term = r.varint();
  const conf = readConf(r);
  const data = r.bytes();
  return { meta: { index, term, conf }, data };
}

function readMessage(r: Reader): Message {
  const type = r.u8();
  if (type < 1 || type > MAX_TYPE) throw new CodecError(`unknown message type ${type} at byte ${r.pos - 1}`);
  const mask = r.varint();
  if (mask > F_ALL) throw new CodecError(`unknown field mask ${mask}`);
  const from = r.varint();
  const to = r.varint();
  const term = r.varint();
  const logTerm = mask & F_LOG_TERM ? r.varint() : 0;
  const index = mask & F_INDEX ? r.varint() : 0;
  const commit = mask & F_COMMIT ? r.varint() : 0;
  const rejectHint = mask & F_REJECT_HINT ? r.varint() : 0;
  const hintTerm = mask & F_HINT_TERM ? r.varint() : 0;
  const ctx = mask & F_CTX ? r.varint() : 0;
  const entries = mask & F_ENTRIES ? readEntries(r) : EMPTY_ENTRIES;
  const snapshot = mask & F_SNAPSHOT ? readSnapshot(r) : null;
  return {
    type: type as MessageType,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject: (mask & F_REJECT) !== 0,
    rejectHint,
    hintTerm,
    ctx,
    snapshot,
  };
}

/**
 * Decodes a frame made by `encodeMessages`. Throws CodecError (and nothing else) on any malformed,
 * truncated or over-long input. Payloads in the result are views into `frame`.
 */
export function decodeMessages(frame: Uint8Array): Message[] {
  const r = new Reader(frame);
  if (frame.length < 2) throw new CodecError(`frame of ${frame.length} bytes is too short`);
  if (r.u8() !== MAGIC) throw new CodecError("not a raftlab frame (bad magic byte)");
  const version = r.u8();
  if (version !== VERSION) throw new CodecError(`unsupported frame version ${version}`);
  const n = r.count(MIN_MESSAGE_BYTES, "message");
  if (n === 0) throw new CodecError("empty frame");
  const msgs: Message[] = [];
  for (let i = 0; i < n; i++) msgs.push(readMessage(r));
  if (r.remaining !== 0) throw new CodecError(`${r.remaining} trailing bytes after ${n} messages`);
  return msgs;
}

/** One piece of a snapshot on its way to a follower. */
export interface SnapshotChunk {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term, as in the MsgSnap the chunks carry. */
  readonly term: number;
  readonly meta: SnapshotMeta;
  /** Bytes of the whole snapshot data. */
  readonly total: number;
  /** Where `data` starts in the whole snapshot data. */
  readonly offset: number;
  /** CRC-32 of the whole snapshot data. */
  readonly crc: number;
  readonly data: Uint8Array;
}

/** Encoded size of a chunk without its data (every field but the payload bytes). */
export function chunkHeaderBytes(c: Omit<SnapshotChunk, "data">, dataBytes: number): number {
  const conf = confBytes(c.meta.conf);
  let size = 2 + varintSize(c.from) + varintSize(c.to) + varintSize(c.term);
  size += varintSize(c.meta.index) + varintSize(c.meta.term) + varintSize(conf.length) + conf.length;
  return size + varintSize(c.total) + varintSize(c.offset) + varintSize(c.crc) + varintSize(dataBytes);
}

export function encodeSnapshotChunk(c: SnapshotChunk): Uint8Array {
  if (c.offset + c.data.length > c.total)
    throw new CodecError(`chunk [${c.offset}, +${c.data.length}) exceeds the total ${c.total}`);
  const size = chunkHeaderBytes(c, c.data.length) + c.data.length;
  const b: Uint8Array = Buffer.allocUnsafe(size); // every byte is written below (checked)
  b[0] = CHUNK_MAGIC;
  b[1] = VERSION;
  let p = 2;
  for (const n of [c.from, c.to, c.term, c.meta.index, c.meta.term]) p = writeVarint(b, p, n);
  p = writeBytes(b, p, confBytes(c.meta.conf));
  for (const n of [c.total, c.offset, c.crc, c.data.length]) p = writeVarint(b, p, n);
  b.set(c.data, p);
  p += c.data.length;
  if (p !== size) throw new CodecError(`internal: wrote ${p} bytes of a ${size}-byte chunk`);
  return b;
}

export function isSnapshotChunkFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && frame[0] === CHUNK_MAGIC;
}

/** Decodes a frame made by `encodeSnapshotChunk`; throws CodecError on anything malformed. `data` is a view. */
export function decodeSnapshotChunk(frame: Uint8Array): SnapshotChunk {
  const r = new Reader(frame);
  if (frame.length < 2 || r.u8() !== CHUNK_MAGIC) throw new CodecError("not a snapshot chunk frame");
  const version = r.u8();
  if (version !== VERSION) throw new CodecError(`unsupported frame version ${version}`);
  const from = r.varint();
  const to = r.varint();
  const term = r.varint();
  const index = r.varint();
  const snapTerm = r.varint();
  const conf = readConf(r);
  const total = r.varint();
  const offset = r.varint();
  const crc = r.varint();
  if (crc > 0xffffffff) throw new CodecError(`checksum ${crc} is not a CRC-32`);
  const data = r.bytes();
  if (offset + data.length > total)
    throw new CodecError(`chunk [${offset}, +${data.length}) exceeds the total ${total}`);
  if (r.remaining !== 0) throw new CodecError(`${r.remaining} trailing bytes after a snapshot chunk`);
  return { from, to, term, meta: { index, term: snapTerm, conf }, total, offset, crc, data };
}
