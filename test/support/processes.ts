// Process-tree helpers for tests that must prove no process outlives a command, read from /proc
// (spawning `ps` would itself add a child). A process is named by its pid and start time, so a pid
// the kernel hands to an unrelated process later (pid_max can be as low as 32768) is not mistaken for
// a survivor; a zombie (exited, not yet reaped by a parent that does not reap) counts as gone.

import { readFileSync, readdirSync } from "node:fs";

interface Stat {
  state: string;
  ppid: number;
  start: string;
}

function stat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name "(...)": state ppid pgrp session tty tpgid flags minflt cminflt
    // majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime ...
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: f[0]!, ppid: Number(f[1]), start: f[19]! };
  } catch {
    return null; // gone meanwhile
  }
}

/** A process by pid and start time: `pid@start`. */
export type ProcessKey = `${number}@${string}`;

/** Every running descendant of `root` (children, grandchildren, ...). */
export function descendants(root: number): ProcessKey[] {
  const all = new Map<number, Stat>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s !== null) all.set(Number(name), s);
  }
  const out: ProcessKey[] = [];
  for (const [pid, s] of all) {
    if (s.state === "Z") continue;
    for (let p: number | undefined = s.ppid; p !== undefined; p = all.get(p)?.ppid) {
      if (p === root) {
        out.push(`${pid}@${s.start}`);
        break;
      }
      if (p <= 1) break;
    }
  }
  return out;
}

/** Whether the process named by `key` still runs (same pid, same start time, not a zombie). */
export function running(key: ProcessKey): boolean {
  const [pid, start] = key.split("@");
  const s = stat(Number(pid));
  return s !== null && s.start === start && s.state !== "Z" && s.state !== "X";
}
