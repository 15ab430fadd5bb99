// CPU time of any process by pid from /proc (Linux), for members that report no statistics of
// their own (the etcd baseline).

import { readProcStat } from "../../src/storage/proc-stat.ts";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks, 100 on every mainstream kernel. */
const TICKS_PER_S = 100;

/** User + system CPU seconds used so far by `pid`, or null if it is gone. */
export function cpuSeconds(pid: number): number | null {
  const stat = readProcStat(pid);
  return stat === null ? null : (stat.utimeTicks + stat.stimeTicks) / TICKS_PER_S;
}
