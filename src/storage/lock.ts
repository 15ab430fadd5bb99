// Lock files: one process per data directory (its LOCK file) or per loopback port (src/node/ports.ts).
// A lock is a file holding the owner's pid and, where /proc exists, its start time, created
// exclusively. A lock left by a process that no longer runs (killed with SIGKILL)
// is taken over. The start time tells the owner from an unrelated process that got the same pid
// later, and a zombie (exited, not yet reaped) counts as gone: under a parent that never reaps, a
// killed node would otherwise keep its directory locked forever.

import * as fs from "node:fs";
import * as path from "node:path";
import { StorageLockedError } from "./errors.ts";
import { hasExited, readProcStat } from "./proc-stat.ts";

interface Owner {
  pid: number;
  /** Clock ticks since boot at which the process started, when known. */
  start: string | null;
}

/** Whether a process with this pid exists (one of another user's counts too). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isRunning(owner: Owner): boolean {
  if (!processExists(owner.pid)) return false;
  const stat = readProcStat(owner.pid);
  if (stat === null) return true; // no /proc here: the signal check is all there is
  return !hasExited(stat) && (owner.start === null || owner.start === stat.startTicks);
}

function readOwner(file: string): Owner | null {
  try {
    const [pidText, start] = fs.readFileSync(file, "utf8").trim().split(/\s+/);
    const pid = Number.parseInt(pidText ?? "", 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, start: start ?? null } : null;
  } catch {
    return null; // gone meanwhile, or unreadable: treat as stale
  }
}

/**
 * Creates `file` exclusively, holding this process's pid and start time, and returns its release
 * function; null when a running process holds it. A file left by a process that is gone is taken over.
 */
export function tryLockFile(file: string): (() => void) | null {
  const self = readProcStat(process.pid);
  const content = self ? `${process.pid} ${self.startTicks}\n` : `${process.pid}\n`;
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, content, { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = readOwner(file);
    if (owner !== null && isRunning(owner)) return null;
    fs.rmSync(file, { force: true });
  }
  return null;
}

/** Takes the directory's lock or throws `StorageLockedError`; returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, "LOCK");
  const release = tryLockFile(file);
  if (release === null) throw new StorageLockedError(dir, readOwner(file)?.pid ?? 0);
  return release;
}
