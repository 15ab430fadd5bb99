// One reader of Linux's /proc/PID/stat, for the data-directory lock (is the owner still the same
// running process?), the bench (CPU time of processes that report none themselves) and the tests that
// prove no process outlives a command.

import { readFileSync } from "node:fs";

export interface ProcStat {
  /** R, S, D, T, Z (zombie: exited, not yet reaped), X (dead), ... */
  state: string;
  ppid: number;
  /** User and system CPU time so far, in clock ticks (USER_HZ). */
  utimeTicks: number;
  stimeTicks: number;
  /** When the process started, in clock ticks since boot: with the pid, it names one process. */
  startTicks: string;
}

/** The stat line of `pid`, or null when there is no such process (or no /proc). */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The fields after the parenthesized command name (which may contain spaces and parentheses):
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  // priority nice threads itrealvalue starttime ...
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: f[0]!, ppid: Number(f[1]), utimeTicks: Number(f[11]), stimeTicks: Number(f[12]), startTicks: f[19]! };
}

/** Whether a stat line describes a process that has exited (a zombie or dead task). */
export function hasExited(stat: ProcStat): boolean {
  return stat.state === "Z" || stat.state === "X";
}
