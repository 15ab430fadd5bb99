// Process-tree helpers for tests that must prove no process outlives a command, read from /proc
// (spawning `ps` would itself add a child). A process is named by its pid and start time, so a pid
// the kernel hands to an unrelated process later (pid_max can be as low as 32768) is not mistaken for
// a survivor; a zombie (exited, not yet reaped by a parent that does not reap) counts as gone.

import { readdirSync } from "node:fs";
import { hasExited, type ProcStat, readProcStat } from "../../src/storage/proc-stat.ts";

/** A process by pid and start time: `pid@start`. */
export type ProcessKey = `${number}@${string}`;

/** Every running descendant of `root` (children, grandchildren, ...). */
export function descendants(root: number): ProcessKey[] {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProcStat(Number(name));
    if (s !== null) all.set(Number(name), s);
  }
  const out: ProcessKey[] = [];
  for (const [pid, s] of all) {
    if (hasExited(s)) continue;
    for (let p: number | undefined = s.ppid; p !== undefined && p > 0; p = all.get(p)?.ppid) {
      if (p === root) {
        out.push(`${pid}@${s.startTicks}`);
        break;
      }
    }
  }
  return out;
}

/** Whether the process named by `key` still runs (same pid, same start time, not a zombie). */
export function running(key: ProcessKey): boolean {
  const [pid, start] = key.split("@");
  const s = readProcStat(Number(pid));
  return s !== null && s.startTicks === start && !hasExited(s);
}
