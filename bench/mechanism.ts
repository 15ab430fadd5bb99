// A cell's mechanism figures: each node's counters over the measured window (the difference of two
// cumulative /stats scrapes), and the handful of figures the report and summary quote.

import { type CounterSnapshot, MECHANISM_NAMES, type Mechanism, windowOf } from "../src/node/mechanism-counters.ts";
import type { CellMechanism, MechanismSummary, NodeMechanism } from "./results.ts";

/** One node's window: `before` at the measured window's start, `after` at its end. */
export function nodeMechanism(
  process: string,
  role: string,
  windowS: number,
  before: CounterSnapshot,
  after: CounterSnapshot,
): NodeMechanism {
  const counters = Object.fromEntries(
    MECHANISM_NAMES.map((m) => [m, windowOf(before[m], after[m])]),
  ) as NodeMechanism["counters"];
  return { process, role, windowS: round3(windowS), counters };
}

/** The figures of a cell: the leader's view, and the followers' fsync rate (mean over followers). */
export function cellMechanism(nodes: readonly NodeMechanism[]): CellMechanism {
  const leader = nodes.find((n) => n.role === "leader");
  const followers = nodes.filter((n) => n !== leader);
  const perS = (n: NodeMechanism, m: Mechanism): number => (n.windowS > 0 ? n.counters[m].count / n.windowS : 0);
  const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  const summary: MechanismSummary | null = leader
    ? {
        entriesPerLeaderFsync: round3(leader.counters.leaderWriteEntries.mean),
        leaderFsyncsPerS: round3(perS(leader, "leaderWriteEntries")),
        entriesPerAppend: round3(leader.counters.appendEntries.mean),
        inflightMean: round3(leader.counters.appendInflight.mean),
        inflightMax: leader.counters.appendInflight.max,
        followerFsyncsPerS: round3(mean(followers.map((f) => perS(f, "followerWriteEntries")))),
        entriesPerFollowerFsync: round3(mean(followers.map((f) => f.counters.followerWriteEntries.mean))),
        applyBatchMean: round3(leader.counters.applyBatch.mean),
        queueDepthMean: round3(leader.counters.proposalQueue.mean),
        queueDepthMax: leader.counters.proposalQueue.max,
        bytesPerWrite: round3(leader.counters.writeBytes.mean),
      }
    : null;
  return { summary, nodes: [...nodes] };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
