// Writing log bytes into a segment file at a given offset, in one piece or (for crash tests) torn in two.

import * as fs from "node:fs";

/**
 * Writes `bufs` (`size` bytes in all) at byte `position` of the file. With `midway`, the bytes go in
 * two writes and `midway` runs between them, once half of them are in the file: a crash there
 * leaves a torn record, as a power cut in the middle of a write does.
 */
export function writeLogBytes(
  fd: number,
  bufs: readonly Buffer[],
  size: number,
  position: number,
  midway?: () => void,
): void {
  if (midway === undefined) {
    const written = fs.writevSync(fd, bufs as Buffer[], position);
    if (written !== size) throw new Error(`short write: ${written} of ${size} bytes`);
    return;
  }
  const all = Buffer.concat(bufs as Buffer[], size);
  const half = size >> 1;
  writeRange(fd, all, 0, half, position);
  midway();
  writeRange(fd, all, half, size, position);
}

function writeRange(fd: number, buf: Buffer, from: number, to: number, position: number): void {
  for (let off = from; off < to; ) off += fs.writeSync(fd, buf, off, to - off, position + off);
}
