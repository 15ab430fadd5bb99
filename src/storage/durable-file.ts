// Small whole-file writes that must be atomic and durable (hard state, snapshots), and the
// directory fsyncs that make file creation, renames and removals durable.

import * as fs from "node:fs";
import * as path from "node:path";

/** Makes the directory's entries (created, renamed, removed files) durable. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export const TMP_SUFFIX = ".tmp";

/**
 * Replaces `dir/name` with `data` atomically and durably: a crash leaves either the old file or
 * the new one, never a mix. Write a temporary file, fsync it, rename it over, fsync the directory.
 */
export function writeFileDurably(dir: string, name: string, data: Uint8Array): void {
  const target = path.join(dir, name);
  const tmp = target + TMP_SUFFIX;
  const fd = fs.openSync(tmp, "w");
  try {
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  fsyncDirSync(dir);
}
