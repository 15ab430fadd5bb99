// The lab's stated targets, checked against a run's figures. A target the run did not measure says
// so; one it missed says by how much. Nothing is hidden. All compare figures of one run, so the
// machine's drift falls on both sides:
//   - 3 nodes, all four flags, 128 connections: at least 3× etcd's throughput with 3 members, with
//     p99 no worse than etcd's;
//   - 5 nodes, the same: at least 3× etcd's throughput with 5 members;
//   - 3 nodes, all four flags, 1 connection: p50 at most 0.6× etcd's p50;
//   - 3 nodes, all four flags, 128 connections: CPU per acknowledged write at most 25 µs on the
//     leader and 10 µs on each follower.

import type { Cell, Results } from "../results.ts";
import { heavySteal, roleCpu } from "./cpu-per-op.ts";

export interface TargetCheck {
  readonly target: string;
  readonly outcome: "met" | "not met" | "not measured";
  readonly detail: string;
}

const ALL = "batch+pipeline+parallel-append+async-apply";
const THROUGHPUT_RATIO = 3;
const P50_RATIO = 0.6;
const LEADER_US = 25;
const FOLLOWER_US = 10;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: readonly number[], digits: number): string => {
  const lo = Math.min(...xs).toFixed(digits);
  const hi = Math.max(...xs).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
};

/** Ok cells of `size` nodes in the plain environment (no emulated delay, fsync cost or apply cost). */
function plain(results: Results, size: number, pick: (c: Cell) => boolean): Cell[] {
  return results.cells.filter(
    (c) =>
      c.status === "ok" &&
      c.size === size &&
      c.netDelayMs === 0 &&
      c.netLoss === 0 &&
      c.fsyncDelayUs === 0 &&
      c.applyCostUs === 0 &&
      pick(c),
  );
}

const ours = (results: Results, size: number, connections: number): Cell[] =>
  plain(results, size, (c) => c.system === "raftlab" && c.flags === ALL && c.connections === connections);
const etcd = (results: Results, size: number, connections: number): Cell[] =>
  plain(results, size, (c) => c.system === "etcd" && c.connections === connections);

/** ", 2 of 3 cells under heavy steal" when any was, so a reader discounts them. */
function stealNote(cells: readonly Cell[]): string {
  const n = cells.filter(heavySteal).length;
  return n === 0 ? "" : `; ${n} of ${cells.length} cells under heavy steal`;
}

function versusEtcd(results: Results, size: number, withP99: boolean): TargetCheck {
  const target =
    `${size} nodes, all four flags, 128 connections: ≥ ${THROUGHPUT_RATIO}× the throughput of etcd with ${size} members` +
    (withP99 ? ", p99 no worse" : "");
  const a = ours(results, size, 128);
  const b = etcd(results, size, 128);
  if (a.length === 0 || b.length === 0) {
    return {
      target,
      outcome: "not measured",
      detail: `needs ${ALL} and --peer etcd cells at --sizes ${size} --connections 128 in one run`,
    };
  }
  const ratio = mean(a.map((c) => c.throughput)) / mean(b.map((c) => c.throughput));
  const p99Ours = mean(a.map((c) => c.latencyMs.p99));
  const p99Etcd = mean(b.map((c) => c.latencyMs.p99));
  const met = ratio >= THROUGHPUT_RATIO && (!withP99 || p99Ours <= p99Etcd);
  return {
    target,
    outcome: met ? "met" : "not met",
    detail:
      `throughput ×${ratio.toFixed(2)} (raftlab ${range(
        a.map((c) => c.throughput),
        0,
      )} ops/s over ${a.length} cells, etcd ${range(
        b.map((c) => c.throughput),
        0,
      )} over ${b.length}); p99 ${p99Ours.toFixed(1)} ms against etcd's ${p99Etcd.toFixed(1)} ms (means)` +
      stealNote([...a, ...b]),
  };
}

function oneConnectionP50(results: Results): TargetCheck {
  const target = `3 nodes, all four flags, 1 connection: p50 ≤ ${P50_RATIO}× etcd's p50`;
  const a = ours(results, 3, 1);
  const b = etcd(results, 3, 1);
  if (a.length === 0 || b.length === 0) {
    return {
      target,
      outcome: "not measured",
      detail: `needs ${ALL} and --peer etcd cells at --sizes 3 --connections 1 in one run`,
    };
  }
  const p50 = mean(a.map((c) => c.latencyMs.p50));
  const p50Etcd = mean(b.map((c) => c.latencyMs.p50));
  const ratio = p50 / p50Etcd;
  return {
    target,
    outcome: ratio <= P50_RATIO ? "met" : "not met",
    detail: `p50 ×${ratio.toFixed(2)} of etcd's: ${p50.toFixed(3)} ms (${range(
      a.map((c) => c.latencyMs.p50),
      3,
    )} over ${a.length} cells) against ${p50Etcd.toFixed(3)} ms (${range(
      b.map((c) => c.latencyMs.p50),
      3,
    )} over ${b.length}); p99 ${mean(a.map((c) => c.latencyMs.p99)).toFixed(2)} ms against ${mean(
      b.map((c) => c.latencyMs.p99),
    ).toFixed(2)} ms${stealNote([...a, ...b])}`,
  };
}

function cpuPerWrite(results: Results): TargetCheck {
  const target = `3 nodes, all four flags, 128 connections: CPU per write ≤ ${LEADER_US} µs on the leader, ≤ ${FOLLOWER_US} µs on each follower`;
  const cells = ours(results, 3, 128).filter((c) => roleCpu(c).leaderUs !== null && roleCpu(c).followerUs !== null);
  if (cells.length === 0)
    return { target, outcome: "not measured", detail: `needs ${ALL} cells at --sizes 3 --connections 128` };
  const leader = cells.map((c) => roleCpu(c).leaderUs!);
  const follower = cells.map((c) => roleCpu(c).followerUs!);
  const met = mean(leader) <= LEADER_US && mean(follower) <= FOLLOWER_US;
  return {
    target,
    outcome: met ? "met" : "not met",
    detail:
      `leader ${mean(leader).toFixed(1)} µs (${range(leader, 1)}), busiest follower ${mean(follower).toFixed(1)} µs ` +
      `(${range(follower, 1)}) over ${cells.length} cells` +
      stealNote(cells),
  };
}

export function targetChecks(results: Results): TargetCheck[] {
  const checks = [
    versusEtcd(results, 3, true),
    versusEtcd(results, 5, false),
    oneConnectionP50(results),
    cpuPerWrite(results),
  ];
  // A target is about this machine's measured figures: a simulation runs no etcd and measures no CPU.
  if (results.run.simulated)
    return checks.map((c) => ({
      target: c.target,
      outcome: "not measured",
      detail: "not measured (simulated): the targets compare measured figures, with etcd in the same run",
    }));
  return checks;
}
