// The on-disk record framing shared by segment files, the hard-state file and snapshot files.
//
//   0   u32 LE  payload length
//   4   u8      record type
//   5   u32 LE  CRC32 of the payload
//   9   u32 LE  CRC32 of bytes 0..9 (the header above)
//   13  payload
//
// The header has its own checksum so a damaged length is caught before it is trusted: without it a
// flipped bit in a length in the middle of a segment would look like a record running past the end
// of the file, i.e. like a torn tail, and recovery would silently drop every record after it.

import { crc32 } from "node:zlib";

export const enum RecordType {
  /** A run of consecutive entries; replaces any suffix of the log from its first index. */
  Entries = 1,
  /** The commit index (commit-only hard-state changes; see file-store.ts). */
  Commit = 2,
  /** Term, vote and commit (the hard-state file). */
  HardState = 3,
  /** A snapshot (a snapshot file). */
  Snapshot = 4,
}

export const HEADER_BYTES = 13;
const MAX_PAYLOAD_BYTES = 1 << 30;

function isKnownType(t: number): boolean {
  return t >= RecordType.Entries && t <= RecordType.Snapshot;
}

/** The header for `payload`; write header and payload back to back (one `writev`). */
export function recordHeader(type: RecordType, payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`record payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  }
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeUInt32LE(payload.length, 0);
  h.writeUInt8(type, 4);
  h.writeUInt32LE(crc32(payload), 5);
  h.writeUInt32LE(crc32(h.subarray(0, 9)), 9);
  return h;
}

/** Header and payload in one buffer (for files written in one piece). */
export function encodeRecord(type: RecordType, payload: Uint8Array): Buffer {
  return Buffer.concat([recordHeader(type, payload), payload]);
}

export interface DecodedRecord {
  readonly type: RecordType;
  readonly payload: Buffer;
  /** Byte offset of the record's header in the buffer. */
  readonly offset: number;
  /** Byte offset just past the record. */
  readonly end: number;
}

/** `cutShort`: the file ends inside the record, whose length is trusted (or no full header). */
type ReadResult = { ok: true; record: DecodedRecord } | { ok: false; reason: string; cutShort: boolean };

function readRecordAt(buf: Buffer, offset: number): ReadResult {
  if (buf.length - offset < HEADER_BYTES) return { ok: false, reason: "incomplete record header", cutShort: true };
  if (crc32(buf.subarray(offset, offset + 9)) !== buf.readUInt32LE(offset + 9)) {
    return { ok: false, reason: "record header checksum mismatch", cutShort: false };
  }
  const length = buf.readUInt32LE(offset);
  const type = buf.readUInt8(offset + 4);
  if (!isKnownType(type) || length > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: `invalid record header (type ${type}, length ${length})`, cutShort: false };
  }
  const start = offset + HEADER_BYTES;
  const end = start + length;
  if (end > buf.length) return { ok: false, reason: "record runs past the end of the file", cutShort: true };
  const payload = buf.subarray(start, end);
  if (crc32(payload) !== buf.readUInt32LE(offset + 5)) {
    return { ok: false, reason: "record payload checksum mismatch", cutShort: false };
  }
  return { ok: true, record: { type, payload, offset, end } };
}

/** Where a scan stopped early, and whether what follows could be a crash mid-write. */
export interface BadRecord {
  readonly offset: number;
  readonly reason: string;
  /**
   * True when the damage is confined to the end of the buffer, as a write interrupted by a crash
   * leaves it: the buffer ends inside the record, or no valid record starts anywhere after
   * `offset` (a power failure may persist a later page before an earlier one).
   */
  readonly torn: boolean;
}

export interface ScanResult {
  readonly records: DecodedRecord[];
  /** Offset just past the last whole record before any damage. */
  readonly validEnd: number;
  readonly bad: BadRecord | null;
}

function validRecordAfter(buf: Buffer, offset: number): boolean {
  for (let o = offset + 1; o + HEADER_BYTES <= buf.length; o++) {
    if (readRecordAt(buf, o).ok) return true;
  }
  return false;
}

function zeroFrom(buf: Buffer, offset: number): boolean {
  for (let o = offset; o < buf.length; o++) if (buf[o] !== 0) return false;
  return true;
}

/**
 * Reads records from the start of `buf` until its end, the zeros a segment is filled with ahead of
 * its writes (a clean end: no record header is all zeros, its checksum is not), or the first
 * damaged record.
 */
export function scanRecords(buf: Buffer): ScanResult {
  const records: DecodedRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = readRecordAt(buf, offset);
    if (!r.ok) {
      if (zeroFrom(buf, offset)) return { records, validEnd: offset, bad: null };
      const torn = r.cutShort || !validRecordAfter(buf, offset);
      return { records, validEnd: offset, bad: { offset, reason: r.reason, torn } };
    }
    records.push(r.record);
    offset = r.record.end;
  }
  return { records, validEnd: offset, bad: null };
}
