// The durable RaftStore: a segmented append-only log of CRC-checked records in a data directory,
// a hard-state file and a snapshot file, with an in-memory mirror of the log since the snapshot
// so the core's reads never touch the disk.
//
// Durability choices:
// - Appends go to the open segment with one synchronous `writev` (page cache, no IO wait); `sync`
//   runs `fdatasync` on the libuv pool, with group commit (group-commit.ts).
// - The active segment is filled with zeros ahead of its writes (ZERO_AHEAD_BYTES at a time), so an
//   append overwrites allocated blocks inside the file instead of growing it. An fdatasync then has
//   no file size or block allocation to journal: on this project's VM it took 78 µs p50 instead of
//   118 µs (100-byte records, 1500 each, alternating). Recovery reads zeros as the log's end (see
//   record.ts); a roll and a clean close cut the zeros off, so closed segments hold records only.
// - Term/vote changes (elections only) are written synchronously as a whole file: temporary file,
//   fsync, rename, directory fsync. So they are durable before any later write, and before `sync`.
// - Commit changes (nearly every Ready) are a 21-byte record in the log, made durable by the next
//   ordinary fdatasync. The hard-state file carries only a commit index already durable in the
//   log: see hard-state-writes.ts for why. Recovery takes the highest commit seen, clamped to the
//   log's end.
// - Snapshots (compact, applySnapshot) are written the same atomic way as the hard state; the
//   snapshot file names the first segment still valid with it, so deleting older segments (and,
//   when an installed snapshot conflicts with the log, discarding all of it) is crash-safe.
//
// Storage modes: `direct` (the default) writes log records to the file at once, as above. A kill -9
// keeps the page cache, so in that mode a crashed process loses nothing it wrote, synced or not.
// `buffered` keeps appended records in memory and writes them only inside a sync, right before its
// fdatasync: whatever was not synced dies with the process, exactly as on a power loss. It exists
// for crash tests (a durability bug that only a power cut would show shows with a kill -9).

import * as fs from "node:fs";
import * as path from "node:path";
import type { Entry, HardState, Snapshot } from "../core/types.ts";
import { encodeCommit, encodeEntries, encodeHardState, encodeSnapshotFile } from "./codec.ts";
import { fsyncDirSync, writeFileDurably } from "./durable-file.ts";
import { GroupCommit } from "./group-commit.ts";
import { hardStateWrites } from "./hard-state-writes.ts";
import { lockDirectory } from "./lock.ts";
import type { LogMirror } from "./log-mirror.ts";
import { writeLogBytes } from "./log-write.ts";
import { MicroDelay } from "./micro-delay.ts";
import { encodeRecord, HEADER_BYTES, RecordType, recordHeader } from "./record.ts";
import { recover, type SegmentInfo } from "./recovery.ts";
import { HARD_STATE_FILE, segmentName, snapshotName } from "./segment-files.ts";
import type { RaftStore } from "./store.ts";

/** Crash-test points in the store (see src/node/failpoints.ts). */
export type StoreFailpoint =
  | "before-log-write"
  | "after-log-write"
  | "mid-batch"
  | "before-fsync"
  | "before-snapshot-write"
  | "after-snapshot-write"
  | "before-hardstate-write"
  | "after-hardstate-write";

/** `direct`: log records go to the file at once; `buffered`: only inside a sync (see above). */
export type StorageMode = "direct" | "buffered";

export const STORAGE_MODES: readonly StorageMode[] = ["direct", "buffered"];

export interface FileStoreOptions {
  /** A new segment is started once the current one would grow past this size. Default 64 MiB. */
  segmentBytes?: number;
  /**
   * Microseconds added to every sync after its fdatasync, emulating a slower disk (the bench's
   * `--fsync-delay-us`). Waited for off the main thread. Default 0.
   */
  fsyncDelayUs?: number;
  /** Default `direct`. */
  mode?: StorageMode;
  /** Called at each crash-test point (only when a failpoint is armed). */
  failpoint?: (name: StoreFailpoint) => void;
}

const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** How far ahead of its writes the active segment is filled with zeros. */
const ZERO_AHEAD_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);

export interface FileStoreStats {
  /** fdatasync calls on log segments (group commit makes this smaller than the number of syncs). */
  readonly fdatasyncs: number;
  /** Bytes of log records written since open. */
  readonly bytesWritten: number;
  /** Segment files in the directory. */
  readonly segments: number;
}

export class FileStore implements RaftStore {
  /**
   * Opens (creating if needed) the data directory and recovers its state. Synchronous. Throws
   * `StorageLockedError` if another live process has it open, `StorageCorruptionError` if a
   * record before the torn tail is damaged.
   */
  static open(dir: string, opts: FileStoreOptions = {}): FileStore {
    const segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const fsyncDelayUs = opts.fsyncDelayUs ?? 0;
    if (!Number.isInteger(segmentBytes) || segmentBytes <= 0) {
      throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
    }
    if (!Number.isFinite(fsyncDelayUs) || fsyncDelayUs < 0) {
      throw new RangeError(`fsyncDelayUs must be a non-negative number, got ${fsyncDelayUs}`);
    }
    fs.mkdirSync(dir, { recursive: true });
    const unlock = lockDirectory(dir);
    try {
      return new FileStore(dir, segmentBytes, fsyncDelayUs, opts, unlock);
    } catch (err) {
      unlock();
      throw err;
    }
  }

  private readonly dir: string;
  private readonly segmentBytes: number;
  private fsyncDelayUs: number;
  private readonly unlock: () => void;
  private readonly buffered: boolean;
  private readonly failpoint: ((name: StoreFailpoint) => void) | undefined;
  /** Buffered mode: records appended since the last flush, not yet in the file. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly log: LogMirror;
  private hardState: HardState;
  /**
   * A commit change not yet written. Commit needs no durability of its own, and it changes on
   * nearly every Ready: it is written once per flush, just before the fdatasync, instead of costing
   * a write syscall per Ready.
   */
  private unwrittenCommit: number | null = null;
  /** The commit index of the last commit record written to the log (page cache or, buffered, memory). */
  private loggedCommit: number;
  /** The highest commit index a crash cannot take back: its log record is covered by a completed fdatasync. */
  private durableCommit: number;
  /** Oldest first; the last is the active segment, open as `fd`. */
  private readonly segments: SegmentInfo[];
  private nextSeq: number;
  private fd = -1;
  /** Where the next write goes in the active segment: the end of the records in its file. */
  private segmentEnd = 0;
  /** Bytes in the active segment's file, records and the zeros after them. */
  private filled = 0;
  /** Descriptors of rolled segments, closed once no fdatasync may still be using them. */
  private retired: number[] = [];
  private snapshotPath: string | null;
  private readonly group: GroupCommit;
  /** Made at the first nonzero delay (a worker thread: none for a store that never waits). */
  private delay: MicroDelay | null;
  private closed = false;
  private fdatasyncs = 0;
  private bytesWritten = 0;

  private constructor(
    dir: string,
    segmentBytes: number,
    fsyncDelayUs: number,
    opts: FileStoreOptions,
    unlock: () => void,
  ) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.fsyncDelayUs = fsyncDelayUs;
    this.buffered = opts.mode === "buffered";
    this.failpoint = opts.failpoint;
    this.unlock = unlock;
    const r = recover(dir);
    this.log = r.log;
    this.hardState = r.hardState;
    this.loggedCommit = r.hardState.commit;
    this.durableCommit = r.hardState.commit;
    this.segments = r.segments;
    this.nextSeq = r.nextSeq;
    this.snapshotPath = r.snapshotPath;
    const last = this.segments[this.segments.length - 1];
    if (last) {
      this.fd = fs.openSync(last.path, "r+");
      this.segmentEnd = last.size;
      this.filled = fs.fstatSync(this.fd).size;
    } else {
      this.openSegment(this.log.lastIndex() + 1);
    }
    this.group = new GroupCommit((cb) => this.flush(cb));
    this.delay = fsyncDelayUs > 0 ? new MicroDelay() : null;
  }

  /** Changes the emulated delay for the syncs that start from now on (`POST /admin/fsync-delay`). */
  setFsyncDelayUs(us: number): void {
    if (!Number.isFinite(us) || us < 0) throw new RangeError(`fsyncDelayUs must be a non-negative number, got ${us}`);
    this.fsyncDelayUs = us;
    if (us > 0) this.delay ??= new MicroDelay();
  }

  // --- LogReader: served from memory ---

  initialState(): { hardState: HardState } {
    return { hardState: this.hardState };
  }
  firstIndex(): number {
    return this.log.firstIndex();
  }
  lastIndex(): number {
    return this.log.lastIndex();
  }
  term(i: number): number {
    return this.log.term(i);
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.log.entries(lo, hi, maxBytes);
  }
  snapshot(): Snapshot {
    return this.log.snapshot();
  }

  // --- LogWriter ---

  append(entries: readonly Entry[]): void {
    this.checkOpen();
    if (entries.length === 0) return;
    this.log.append(entries);
    this.writeRecord(RecordType.Entries, encodeEntries(entries), entries[0]!.index);
    const active = this.active();
    active.maxIndex = Math.max(active.maxIndex, entries[entries.length - 1]!.index);
  }

  setHardState(hs: HardState): void {
    this.checkOpen();
    const { file, commitRecord } = hardStateWrites(this.hardState, hs, this.durableCommit);
    if (file) {
      this.failpoint?.("before-hardstate-write");
      writeFileDurably(this.dir, HARD_STATE_FILE, encodeRecord(RecordType.HardState, encodeHardState(file)));
      this.failpoint?.("after-hardstate-write");
    }
    if (commitRecord !== null) {
      this.unwrittenCommit = commitRecord;
      this.group.noteWrite(); // a sync still covers it: the flush writes it first
    }
    this.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  applySnapshot(snap: Snapshot): void {
    this.checkOpen();
    const keptTail = this.log.install(snap);
    if (keptTail) {
      this.saveSnapshot(snap, this.firstSegmentNeeded(snap.meta.index));
    } else {
      // The whole log is replaced: start a fresh segment and tell recovery to ignore the older
      // ones. Until the snapshot file says so they are still the log, so the roll syncs them.
      this.roll(snap.meta.index + 1);
      this.saveSnapshot(snap, this.active().seq);
    }
  }

  compact(snap: Snapshot): void {
    this.checkOpen();
    this.log.compact(snap);
    this.saveSnapshot(snap, this.firstSegmentNeeded(snap.meta.index));
  }

  sync(cb: (err: Error | null) => void): void {
    this.group.request(cb);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writeCommit();
    this.writePending(); // a clean stop loses nothing it wrote, in either mode
    this.group.close(() => {
      this.closeRetired();
      this.cutZeros();
      fs.closeSync(this.fd);
      this.delay?.close();
    });
    this.unlock();
  }

  stats(): FileStoreStats {
    return { fdatasyncs: this.fdatasyncs, bytesWritten: this.bytesWritten, segments: this.segments.length };
  }

  // --- internals ---

  private checkOpen(): void {
    if (this.closed) throw new Error(`store ${this.dir} is closed`);
  }

  private active(): SegmentInfo {
    return this.segments[this.segments.length - 1]!;
  }

  /** Writes the latest commit-only change, if any; part of the flush that is about to start. */
  private writeCommit(): void {
    if (this.unwrittenCommit === null) return;
    const commit = this.unwrittenCommit;
    this.unwrittenCommit = null;
    this.writeRecord(RecordType.Commit, encodeCommit(commit), this.log.lastIndex() + 1, false);
    this.loggedCommit = commit;
  }

  /** @param counted whether to count the write for group commit (false: it was counted when made). */
  private writeRecord(type: RecordType, payload: Buffer, firstIndex: number, counted = true): void {
    const header = recordHeader(type, payload);
    const size = HEADER_BYTES + payload.length;
    const active = this.active();
    if (active.size > 0 && active.size + size > this.segmentBytes) this.roll(firstIndex);
    this.failpoint?.("before-log-write");
    if (this.buffered) {
      this.pending.push(header, payload);
      this.pendingBytes += size;
    } else {
      this.writeToSegment([header, payload], size);
    }
    this.failpoint?.("after-log-write");
    this.active().size += size;
    this.bytesWritten += size;
    if (counted) this.group.noteWrite();
  }

  /**
   * Starts a new segment. Only the last segment may end torn, and recovery refuses a torn tail
   * anywhere else, so the order is: the old segment made durable, the new file created, the
   * directory synced, and only then anything written into the new file. Otherwise a power failure
   * could keep the new segment (or its name) but not the old one's tail. Synchronous; group commits
   * have already flushed all but the latest writes, so this costs little, once per segment.
   */
  private roll(firstIndex: number): void {
    this.writePending();
    this.cutZeros();
    fs.fdatasyncSync(this.fd);
    this.fdatasyncs++;
    if (this.group.inFlight) this.retired.push(this.fd);
    else fs.closeSync(this.fd);
    this.openSegment(firstIndex);
  }

  /** Creates the next segment and makes its name durable before anything is written into it. */
  private openSegment(firstIndex: number): void {
    const seq = this.nextSeq++;
    const file = path.join(this.dir, segmentName(seq, firstIndex));
    this.fd = fs.openSync(file, "wx");
    this.segmentEnd = 0;
    this.filled = 0;
    fsyncDirSync(this.dir);
    this.segments.push({ seq, path: file, size: 0, maxIndex: 0 });
  }

  /** The oldest segment holding an entry after `index` (or the active one). */
  private firstSegmentNeeded(index: number): number {
    const active = this.active();
    return (this.segments.find((s) => s === active || s.maxIndex > index) ?? active).seq;
  }

  /** Writes the snapshot file, then removes what it supersedes (older snapshot and segments). */
  private saveSnapshot(snap: Snapshot, firstSegmentSeq: number): void {
    const name = snapshotName(snap.meta.index);
    const payload = encodeSnapshotFile({ snapshot: snap, firstSegmentSeq });
    this.failpoint?.("before-snapshot-write");
    writeFileDurably(this.dir, name, encodeRecord(RecordType.Snapshot, payload));
    const file = path.join(this.dir, name);
    this.failpoint?.("after-snapshot-write");
    if (this.snapshotPath !== null && this.snapshotPath !== file) fs.rmSync(this.snapshotPath, { force: true });
    this.snapshotPath = file;
    // Removals need no fsync: a segment that reappears after a crash is ignored by recovery.
    while (this.segments[0]!.seq < firstSegmentSeq) fs.rmSync(this.segments.shift()!.path, { force: true });
  }

  /** One group-commit flush: fdatasync the active segment, then the emulated delay. */
  private flush(cb: (err: Error | null) => void): void {
    this.failpoint?.("before-fsync");
    try {
      this.writeCommit();
      this.writePending();
    } catch (err) {
      process.nextTick(cb, err as Error);
      return;
    }
    this.fdatasyncs++;
    const commit = this.loggedCommit;
    const done = (err: Error | null): void => {
      this.closeRetired();
      if (!err) this.durableCommit = Math.max(this.durableCommit, commit);
      cb(err);
    };
    fs.fdatasync(this.fd, (err) => {
      if (err) done(err);
      else if (this.delay && this.fsyncDelayUs > 0) this.delay.wait(this.fsyncDelayUs, () => done(null));
      else done(null);
    });
  }

  /** Appends `bufs` (`size` bytes) to the active segment; a failure fails every later sync. */
  private writeToSegment(bufs: readonly Buffer[], size: number): void {
    const at = this.segmentEnd;
    try {
      this.fillZerosTo(at + size);
      writeLogBytes(this.fd, bufs, size, at, this.failpoint && (() => this.failpoint!("mid-batch")));
    } catch (err) {
      this.group.fail(err as Error); // the file's tail is now unknown: no sync may succeed
      throw err;
    }
    this.segmentEnd = at + size;
  }

  /**
   * Makes the active segment's file at least `end` bytes long, filling with zeros up to
   * ZERO_AHEAD_BYTES past it (no further than the segment's size limit). The next fdatasync makes
   * the zeros durable along with the records; it is the one that pays for the file's growth.
   */
  private fillZerosTo(end: number): void {
    if (end <= this.filled) return;
    const target = Math.max(end, Math.min(end + ZERO_AHEAD_BYTES, this.segmentBytes));
    for (let at = this.filled; at < target; ) {
      at += fs.writeSync(this.fd, ZEROS, 0, Math.min(ZEROS.length, target - at), at);
    }
    this.filled = target;
  }

  /** Cuts the zeros off the active segment's file, leaving its records. */
  private cutZeros(): void {
    if (this.filled === this.segmentEnd) return;
    fs.ftruncateSync(this.fd, this.segmentEnd);
    this.filled = this.segmentEnd;
  }

  /** Buffered mode: writes the records held in memory to the active segment. */
  private writePending(): void {
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    const size = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.writeToSegment(bufs, size);
  }

  private closeRetired(): void {
    for (const fd of this.retired) fs.closeSync(fd);
    this.retired = [];
  }
}
