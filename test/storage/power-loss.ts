// Simulated power loss for a data directory. The stores' fsync and fdatasync calls are recorded
// (install `recordingSyncs` as the node:fs mock), so a power cut can take from each segment exactly
// what no sync covered: the segment keeps its synced bytes and a torn half of the rest.
// (The hard-state and snapshot files are replaced whole by a rename after an fsync: not segments.)

import type * as Fs from "node:fs";
import * as path from "node:path";

let realFs: typeof Fs;
/** Open descriptors (from `openSync`) → the absolute path they were opened with. */
const openFiles = new Map<number, string>();
/** Absolute path → the file's size when the last completed sync of it was issued. */
const syncedSize = new Map<string, number>();

/** `fs` with its opens and sync calls recorded; the mock factory for node:fs. */
export function recordingSyncs(fs: typeof Fs): typeof Fs {
  realFs = fs;
  const syncedAt = (fd: number): (() => void) => {
    const file = openFiles.get(fd) ?? null;
    const size = file === null ? 0 : fs.fstatSync(fd).size;
    return () => {
      if (file !== null) syncedSize.set(file, Math.max(syncedSize.get(file) ?? 0, size));
    };
  };
  const wrapSync = (call: (fd: number) => void) => (fd: number) => {
    const done = syncedAt(fd);
    call(fd);
    done();
  };
  const wrapAsync =
    (call: (fd: number, cb: (err: Error | null) => void) => void) => (fd: number, cb: (err: Error | null) => void) => {
      const done = syncedAt(fd);
      call(fd, (err) => {
        if (!err) done();
        cb(err);
      });
    };
  return {
    ...fs,
    openSync: ((file: Fs.PathLike, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(file, ...rest);
      openFiles.set(fd, path.resolve(String(file)));
      return fd;
    }) as typeof fs.openSync,
    closeSync: (fd: number) => {
      openFiles.delete(fd);
      fs.closeSync(fd);
    },
    fdatasyncSync: wrapSync(fs.fdatasyncSync),
    fsyncSync: wrapSync(fs.fsyncSync),
    fdatasync: wrapAsync(fs.fdatasync) as typeof fs.fdatasync,
    fsync: wrapAsync(fs.fsync) as typeof fs.fsync,
  };
}

/** Cuts every segment in `dir` to its synced size plus half of what was written after it. */
export function losePower(dir: string): void {
  for (const name of realFs.readdirSync(dir)) {
    if (!name.endsWith(".wal")) continue;
    const file = path.resolve(dir, name);
    const size = realFs.statSync(file).size;
    const synced = syncedSize.get(file) ?? 0;
    if (size > synced) realFs.truncateSync(file, synced + Math.floor((size - synced) / 2));
  }
}
