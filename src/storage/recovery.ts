// Reading a data directory back at start-up: the hard state, the newest snapshot, then every
// segment's records in order. A torn tail (damage confined to the end of the last segment, as a
// crash mid-write leaves) is cut off; damage anywhere else is reported as corruption.

import * as fs from "node:fs";
import * as path from "node:path";
import type { HardState } from "../core/types.ts";
import { decodeCommit, decodeEntries, decodeHardState, decodeSnapshotFile } from "./codec.ts";
import { TMP_SUFFIX } from "./durable-file.ts";
import { StorageCorruptionError } from "./errors.ts";
import { LogMirror } from "./log-mirror.ts";
import { type DecodedRecord, RecordType, scanRecords } from "./record.ts";
import { HARD_STATE_FILE, listSegments, listSnapshots, readSingleRecordFile } from "./segment-files.ts";

export interface SegmentInfo {
  readonly seq: number;
  readonly path: string;
  /** Bytes of whole records in the file. */
  size: number;
  /** Highest entry index written into the segment (0 if none): it is obsolete once compacted past this. */
  maxIndex: number;
}

export interface Recovered {
  readonly log: LogMirror;
  readonly hardState: HardState;
  /** Oldest first; the last one is where appends continue. May be empty. */
  readonly segments: SegmentInfo[];
  /** Sequence number for the next segment created. */
  readonly nextSeq: number;
  readonly snapshotPath: string | null;
}

/** Decodes a record's payload, reporting a payload that does not decode as corruption. */
function decode<T>(file: string, rec: DecodedRecord, fn: (payload: Buffer) => T): T {
  try {
    return fn(rec.payload);
  } catch (err) {
    throw new StorageCorruptionError(file, rec.offset, (err as Error).message);
  }
}

function truncateDurably(file: string, size: number): void {
  const fd = fs.openSync(file, "r+");
  try {
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function recover(dir: string): Recovered {
  for (const name of fs.readdirSync(dir)) {
    if (name.endsWith(TMP_SUFFIX)) fs.rmSync(path.join(dir, name), { force: true }); // unfinished atomic writes
  }

  let hardState: HardState = { term: 0, vote: 0, commit: 0 };
  const hsFile = path.join(dir, HARD_STATE_FILE);
  if (fs.existsSync(hsFile)) {
    hardState = decode(hsFile, readSingleRecordFile(hsFile, RecordType.HardState), decodeHardState);
  }

  let log = new LogMirror();
  let firstSeq = 1;
  let snapshotPath: string | null = null;
  const snaps = listSnapshots(dir);
  const newest = snaps.pop();
  if (newest) {
    snapshotPath = path.join(dir, newest.name);
    const rec = readSingleRecordFile(snapshotPath, RecordType.Snapshot);
    const f = decode(snapshotPath, rec, decodeSnapshotFile);
    log = new LogMirror(f.snapshot);
    firstSeq = f.firstSegmentSeq;
  }
  for (const s of snaps) fs.rmSync(path.join(dir, s.name), { force: true }); // superseded

  let commit = Math.max(hardState.commit, log.snapshot().meta.index);
  const segments: SegmentInfo[] = [];
  const names = listSegments(dir);
  let nextSeq = firstSeq;
  for (const [i, seg] of names.entries()) {
    const file = path.join(dir, seg.name);
    nextSeq = Math.max(nextSeq, seg.seq + 1);
    if (seg.seq < firstSeq) {
      fs.rmSync(file, { force: true }); // superseded by the snapshot
      continue;
    }
    const scan = scanRecords(fs.readFileSync(file));
    if (scan.bad) {
      const isLast = i === names.length - 1;
      if (!isLast || !scan.bad.torn) {
        const where = isLast ? "" : " (and this is not the last segment)";
        throw new StorageCorruptionError(file, scan.bad.offset, `${scan.bad.reason}${where}`);
      }
      truncateDurably(file, scan.validEnd);
    }
    let maxIndex = 0;
    for (const rec of scan.records) {
      if (rec.type === RecordType.Entries) {
        const ents = decode(file, rec, decodeEntries);
        if (!log.replay(ents)) {
          const what = `entries from index ${ents[0]!.index} follow a log that ends at ${log.lastIndex()}, so records are missing`;
          throw new StorageCorruptionError(file, rec.offset, what);
        }
        maxIndex = Math.max(maxIndex, ents[ents.length - 1]!.index);
      } else if (rec.type === RecordType.Commit) {
        commit = Math.max(commit, decode(file, rec, decodeCommit));
      } else {
        throw new StorageCorruptionError(file, rec.offset, `a record of type ${rec.type} does not belong in a segment`);
      }
    }
    segments.push({ seq: seg.seq, path: file, size: scan.validEnd, maxIndex });
  }

  // The commit index is a hint (it can be relearned from the leader); never past the log's end.
  hardState = { term: hardState.term, vote: hardState.vote, commit: Math.min(commit, log.lastIndex()) };
  return { log, hardState, segments, nextSeq, snapshotPath };
}
