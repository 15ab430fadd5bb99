// CPU per acknowledged operation by process role, the figure the lab's CPU targets are stated in.
// Cells record it per process (`cpuUsPerOp`); older runs are derived from `cpu` and throughput.

import type { Cell, ProcessUsage } from "../results.ts";
import { HEAVY_STEAL_CORES } from "../sched-window.ts";

export interface RoleCpu {
  /** µs per operation of the process that led at the end of the window; null if none did. */
  readonly leaderUs: number | null;
  /** The busiest follower's µs per operation (the follower target holds for each); null without followers. */
  readonly followerUs: number | null;
}

export function usPerOp(cell: Cell, u: ProcessUsage): number | null {
  if (u.cpuUsPerOp !== undefined) return u.cpuUsPerOp;
  return cell.throughput > 0 ? (u.cpu / cell.throughput) * 1e6 : null;
}

export function roleCpu(cell: Cell): RoleCpu {
  const of = (role: string): number[] => cell.cpu.filter((u) => u.role === role).flatMap((u) => usPerOp(cell, u) ?? []);
  const leader = of("leader");
  const followers = of("follower");
  return {
    leaderUs: leader.length > 0 ? leader[0]! : null,
    followerUs: followers.length > 0 ? Math.max(...followers) : null,
  };
}

/** Whether the host's steal during the cell's window makes its figures suspect. */
export function heavySteal(cell: Cell): boolean {
  return (cell.stealCores ?? 0) >= HEAVY_STEAL_CORES;
}
