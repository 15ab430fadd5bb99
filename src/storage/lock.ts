// One process per data directory: a LOCK file holding the owner's pid, created exclusively.
// A lock left by a process that no longer exists (killed with SIGKILL) is taken over.

import * as fs from "node:fs";
import * as path from "node:path";
import { StorageLockedError } from "./errors.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // gone meanwhile, or unreadable: treat as stale
  }
}

/** Takes the directory's lock or throws `StorageLockedError`; returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, "LOCK");
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = readOwner(file);
    if (owner !== null && isAlive(owner)) throw new StorageLockedError(dir, owner);
    fs.rmSync(file, { force: true });
  }
  throw new StorageLockedError(dir, readOwner(file) ?? 0);
}
