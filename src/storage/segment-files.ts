// Names of the files in a data directory, and reading them back.
//
//   <seq>-<firstIndex>.wal   log segments; seq orders them (truncation can make two segments
//                            start at the same index), firstIndex is the first entry written
//   snap-<index>.snap        the snapshot (the newest one is the only one kept)
//   hardstate                term, vote and commit at the last term/vote change
//   LOCK                     the owning process's pid

import * as fs from "node:fs";
import { StorageCorruptionError } from "./errors.ts";
import { type DecodedRecord, type RecordType, scanRecords } from "./record.ts";

export const HARD_STATE_FILE = "hardstate";

export interface SegmentName {
  readonly seq: number;
  readonly firstIndex: number;
  readonly name: string;
}

const SEGMENT_RE = /^(\d{10})-(\d{20})\.wal$/;
const SNAPSHOT_RE = /^snap-(\d{20})\.snap$/;

export function segmentName(seq: number, firstIndex: number): string {
  return `${String(seq).padStart(10, "0")}-${String(firstIndex).padStart(20, "0")}.wal`;
}

export function snapshotName(index: number): string {
  return `snap-${String(index).padStart(20, "0")}.snap`;
}

/** The directory's segments, oldest first. */
export function listSegments(dir: string): SegmentName[] {
  const out: SegmentName[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SEGMENT_RE.exec(name);
    if (m) out.push({ seq: Number(m[1]), firstIndex: Number(m[2]), name });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The directory's snapshot files, newest last. */
export function listSnapshots(dir: string): { index: number; name: string }[] {
  const out: { index: number; name: string }[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = SNAPSHOT_RE.exec(name);
    if (m) out.push({ index: Number(m[1]), name });
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * Reads a file written whole by `writeFileDurably` that holds exactly one record of `type`.
 * Such files are replaced by rename, so they are never torn: any damage is corruption.
 */
export function readSingleRecordFile(file: string, type: RecordType): DecodedRecord {
  const scan = scanRecords(fs.readFileSync(file));
  if (scan.bad) throw new StorageCorruptionError(file, scan.bad.offset, scan.bad.reason);
  const rec = scan.records[0];
  if (scan.records.length !== 1 || rec!.type !== type) {
    throw new StorageCorruptionError(file, 0, "the file does not hold exactly one record of its kind");
  }
  return rec!;
}
