// What the scheduler did to a cell, so a reader can tell a slow cell from a noisy neighbour: the
// host's steal time (CPU the hypervisor gave to other guests, /proc/stat), the machine's busy CPU
// (/proc/stat again: beyond the cell's own processes, that is other work on this machine), and each process's
// run-queue wait (time its threads were runnable but not running, summed over
// /proc/PID/task/*/schedstat: a Go server runs on many threads, a node on one event loop and a few
// helpers) over the measured window. Both read as cores: seconds per second of wall time. Linux
// only; elsewhere the readings are absent.

import { readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc/stat counts in these ticks, 100 on every mainstream kernel. */
const TICKS_PER_S = 100;

/** Mean steal at or above this many cores marks a cell as measured under heavy steal. */
export const HEAVY_STEAL_CORES = 0.25;

function readFileOrNull(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** The host's steal time so far in seconds (the 8th value of /proc/stat's `cpu` line), or null. */
export function parseStealSeconds(procStat: string): number | null {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  const steal = line?.trim().split(/\s+/)[8];
  return steal === undefined ? null : Number(steal) / TICKS_PER_S;
}

/**
 * The machine's busy CPU so far in seconds, every core summed: user, nice, system, irq and softirq
 * of /proc/stat's `cpu` line (not idle, iowait or steal), or null.
 */
export function parseBusySeconds(procStat: string): number | null {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  const f = line?.trim().split(/\s+/).slice(1).map(Number);
  if (!f || f.length < 7 || f.some((x) => !Number.isFinite(x))) return null;
  const [user, nice, system, , , irq, softirq] = f as [number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq) / TICKS_PER_S;
}

/** The run-queue wait so far in seconds (the 2nd value of /proc/PID/schedstat, in ns), or null. */
export function parseRunDelaySeconds(schedstat: string): number | null {
  const ns = schedstat.trim().split(/\s+/)[1];
  return ns === undefined || !/^\d+$/.test(ns) ? null : Number(ns) / 1e9;
}

export interface SchedReadings {
  /** Mean steal over the window, in cores; null where /proc/stat has none. */
  readonly stealCores: number | null;
  /** The machine's mean busy CPU over the window, in cores; null where /proc/stat has none. */
  readonly busyCores: number | null;
  /** Run-queue wait per process name, in cores (null for a process that was gone or unreadable). */
  readonly runQueueWait: Readonly<Record<string, number | null>>;
}

export class SchedWindow {
  private readonly steal0: number | null;
  private readonly busy0: number | null;
  private readonly wait0 = new Map<string, number | null>();
  private readonly t0 = performance.now();

  /** Opens the window now for the given processes (name → pid). */
  constructor(private readonly pids: ReadonlyMap<string, number>) {
    const stat = readFileOrNull("/proc/stat");
    this.steal0 = stat === null ? null : parseStealSeconds(stat);
    this.busy0 = stat === null ? null : parseBusySeconds(stat);
    for (const [name, pid] of pids) this.wait0.set(name, runDelaySeconds(pid));
  }

  close(): SchedReadings {
    const wallS = (performance.now() - this.t0) / 1000;
    const stat = readFileOrNull("/proc/stat");
    const perS = (a: number | null, b: number | null): number | null =>
      a === null || b === null || wallS <= 0 ? null : Math.round(((b - a) / wallS) * 1000) / 1000;
    const runQueueWait: Record<string, number | null> = {};
    for (const [name, pid] of this.pids) runQueueWait[name] = perS(this.wait0.get(name) ?? null, runDelaySeconds(pid));
    return {
      stealCores: perS(this.steal0, stat === null ? null : parseStealSeconds(stat)),
      busyCores: perS(this.busy0, stat === null ? null : parseBusySeconds(stat)),
      runQueueWait,
    };
  }
}

/** Summed over the process's threads (a thread that exits within the window takes its wait along). */
function runDelaySeconds(pid: number): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let total = 0;
  for (const task of tasks) {
    const text = readFileOrNull(`/proc/${pid}/task/${task}/schedstat`);
    total += (text === null ? null : parseRunDelaySeconds(text)) ?? 0;
  }
  return total;
}
