// One process per data directory: a LOCK file holding the owner's pid and, where /proc exists, its
// start time, created exclusively. A lock left by a process that no longer runs (killed with SIGKILL)
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

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isRunning(owner: Owner): boolean {
  if (!signalable(owner.pid)) return false;
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

/** Takes the directory's lock or throws `StorageLockedError`; returns the release function. */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, "LOCK");
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
    if (owner !== null && isRunning(owner)) throw new StorageLockedError(dir, owner.pid);
    fs.rmSync(file, { force: true });
  }
  throw new StorageLockedError(dir, readOwner(file)?.pid ?? 0);
}
