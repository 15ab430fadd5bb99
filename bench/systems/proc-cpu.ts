// CPU time of any process by pid from /proc (Linux), for members that report no statistics of
// their own (the etcd baseline).

import { readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks, 100 on every mainstream kernel. */
const TICKS_PER_S = 100;

/** User + system CPU seconds used so far by `pid`, or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesized command name (which may contain spaces): utime is the 14th
    // field of the line, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}
