// Simulated power loss for a data directory. The stores' writes and their fsync and fdatasync calls
// are recorded (install `recordingSyncs` as the node:fs mock), so a power cut can take from each
// segment exactly what no sync covered: the bytes of the segment from the lowest write no completed
// sync covers (the bytes from the lowest to the end of the highest) keep their first half, and the
// rest reads back as zeros: a segment is filled with zeros ahead of its writes, so a lost write
// leaves the zeros it overwrote (and a lost growth of the file reads the same to recovery). Writes
// of zeros alone are that filling and need no tracking.
// (The hard-state and snapshot files are replaced whole by a rename after an fsync: not segments.)

import type * as Fs from "node:fs";
import * as path from "node:path";

let realFs: typeof Fs;
/** Open descriptors (from `openSync`) → the absolute path they were opened with. */
const openFiles = new Map<number, string>();
/** Absolute path → the writes to it no completed sync covers yet: [write number, start, end]. */
const unsynced = new Map<string, [number, number, number][]>();
let writes = 0;

/** `fs` with its opens, writes and sync calls recorded; the mock factory for node:fs. */
export function recordingSyncs(fs: typeof Fs): typeof Fs {
  realFs = fs;
  const noteWrite = (fd: number, bufs: readonly NodeJS.ArrayBufferView[], position: unknown): void => {
    const file = openFiles.get(fd);
    const bytes = bufs.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    if (file === undefined || bytes.every((b) => b.every((x) => x === 0))) return;
    const at = typeof position === "number" ? position : fs.fstatSync(fd).size;
    let list = unsynced.get(file);
    if (!list) unsynced.set(file, (list = []));
    list.push([++writes, at, at + bytes.reduce((n, b) => n + b.length, 0)]);
  };
  /** When a sync of `fd` completes, it covers every write issued before it started. */
  const syncStarted = (fd: number): (() => void) => {
    const file = openFiles.get(fd);
    const upTo = writes;
    return () => {
      const list = file === undefined ? undefined : unsynced.get(file);
      if (list)
        unsynced.set(
          file!,
          list.filter(([n]) => n > upTo),
        );
    };
  };
  const wrapSync = (call: (fd: number) => void) => (fd: number) => {
    const done = syncStarted(fd);
    call(fd);
    done();
  };
  const wrapAsync =
    (call: (fd: number, cb: (err: Error | null) => void) => void) => (fd: number, cb: (err: Error | null) => void) => {
      const done = syncStarted(fd);
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
    writeSync: ((fd: number, buf: NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      // writeSync(fd, buffer, offset, length, position) as the stores call it
      const [offset, length, position] = rest as [number, number, number | undefined];
      const part = typeof offset === "number" ? new Uint8Array(buf.buffer, buf.byteOffset + offset, length) : buf;
      noteWrite(fd, [part], position);
      return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, ...rest);
    }) as typeof fs.writeSync,
    writevSync: ((fd: number, bufs: NodeJS.ArrayBufferView[], position?: number | null) => {
      noteWrite(fd, bufs, position);
      return fs.writevSync(fd, bufs, position ?? undefined);
    }) as typeof fs.writevSync,
    fdatasyncSync: wrapSync(fs.fdatasyncSync),
    fsyncSync: wrapSync(fs.fsyncSync),
    fdatasync: wrapAsync(fs.fdatasync) as typeof fs.fdatasync,
    fsync: wrapAsync(fs.fsync) as typeof fs.fsync,
  };
}

/** Cuts the power: in every segment of `dir`, what no sync covered is half kept, half zeros. */
export function losePower(dir: string): void {
  for (const name of realFs.readdirSync(dir)) {
    if (!name.endsWith(".wal")) continue;
    const file = path.resolve(dir, name);
    const list = unsynced.get(file) ?? [];
    unsynced.delete(file);
    if (list.length === 0) continue;
    const size = realFs.statSync(file).size;
    const lo = Math.min(size, ...list.map(([, at]) => at));
    const hi = Math.min(size, Math.max(...list.map(([, , end]) => end)));
    const cut = lo + Math.floor((hi - lo) / 2);
    const fd = realFs.openSync(file, "r+");
    try {
      if (hi > cut) realFs.writeSync(fd, Buffer.alloc(hi - cut), 0, hi - cut, cut);
    } finally {
      realFs.closeSync(fd);
    }
  }
}
