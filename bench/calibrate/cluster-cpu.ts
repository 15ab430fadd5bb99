// CPU per write from short runs of the real node: a closed-loop write load on a 1-node and on a
// 3-node cluster started as the bench starts its cells (bench/cell.ts), with the CPU accounting of
// the bench's cells (each process's CPU over the measured window ÷ acknowledged writes). All flags
// on and 128 connections, the most batching a cell of the bench's presets gets: the cheapest writes,
// so ceilings computed from these costs hold for every combination up to that load (a less batched
// cell pays more per write: on this VM the 3-node leader paid 31–37 µs per write at 32 connections,
// 21 µs at 128). Then the other end: the 3-node cluster with no flags and one connection, where
// every message and fsync wakes a sleeping process and nothing shares the cost (on this VM 10–20
// times as much CPU per write); the model's wake-up cost is fitted to it (perf-model.ts).

import { type CellContext, runCell } from "../cell.ts";
import { ENVIRONMENTS } from "../environments.ts";
import type { LoadRunner } from "../load/loadgen.ts";
import { writeCell } from "../plan.ts";
import type { Cell } from "../results.ts";
import { round3, type SystemUnderTest } from "../systems/system.ts";
import type { Cost, EntriesPerAppend, OneConnectionCosts } from "./calibration.ts";

const CONNECTIONS = 128;
// Generous: a calibration may run while other work loads the machine (a fresh-clone test run once
// saw a 1-node cluster not answer within 15 s), and waiting costs nothing when a leader comes early.
const LEADER_TIMEOUT_MS = 45_000;

export interface ClusterCosts {
  readonly httpUs: Cost;
  readonly leaderCpuUsPerWrite: Cost;
  readonly followerCpuUsPerWrite: Cost;
  readonly loadgenCpuUsPerWrite: Cost;
  readonly entriesPerAppend: EntriesPerAppend;
  readonly oneConnection: OneConnectionCosts;
}

export interface ClusterRunOptions {
  readonly loadgen: LoadRunner;
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueSize: number;
  /** `raftlab node` options for every node. */
  readonly nodeArgs: readonly string[];
  /** Told before each run starts. */
  readonly onRun: (run: RunPlan) => void;
  /** Told about each cluster as soon as it exists, so an abort can stop it. */
  readonly onSystem?: (system: SystemUnderTest) => void;
}

/** One of the calibration's cluster runs. */
export interface RunPlan {
  readonly size: number;
  readonly flags: string;
  readonly connections: number;
}

const SINGLE: RunPlan = { size: 1, flags: "all", connections: CONNECTIONS };
const THREE: RunPlan = { size: 3, flags: "all", connections: CONNECTIONS };
const LONE: RunPlan = { size: 3, flags: "none", connections: 1 };

export async function measureClusterCpu(o: ClusterRunOptions): Promise<ClusterCosts> {
  const single = await run(SINGLE, o);
  const three = await run(THREE, o);
  const lone = await run(LONE, o);
  const method = (what: string, cell: Cell): string =>
    `CPU of ${what} over ${cell.durationS} s of measured load ÷ the ${acknowledged(cell)} writes acknowledged ` +
    `(${cell.size}-node cluster, flags ${cell.flags}, ${cell.connections} connection${cell.connections === 1 ? "" : "s"}, ${cell.valueSize}-byte values)`;
  const cost = (cell: Cell, role: string, what: string): Cost => {
    const per = cell.cpu.filter((u) => u.role === role).map((u) => u.cpuUsPerOp ?? 0);
    const us = round3(per.reduce((a, b) => a + b, 0) / per.length);
    if (!(us > 0)) throw new Error(`the ${cell.size}-node run measured no CPU for its ${role}`);
    return { us, samples: acknowledged(cell), method: method(what, cell) };
  };
  return {
    httpUs: cost(single, "leader", "the node"),
    leaderCpuUsPerWrite: cost(three, "leader", "the leader"),
    followerCpuUsPerWrite: cost(three, "follower", "a follower (mean of the two)"),
    loadgenCpuUsPerWrite: cost(three, "loadgen", "the load generator"),
    entriesPerAppend: entriesPerAppend(three),
    oneConnection: {
      throughput: round3(lone.throughput),
      leaderCpuUsPerWrite: cost(lone, "leader", "the leader"),
      followerCpuUsPerWrite: cost(lone, "follower", "a follower (mean of the two)"),
      loadgenCpuUsPerWrite: cost(lone, "loadgen", "the load generator"),
    },
  };
}

/** The batching the 3-node run's CPU was measured at, from its leader's mechanism counters. */
function entriesPerAppend(cell: Cell): EntriesPerAppend {
  const appends = cell.mechanism?.nodes.find((n) => n.role === "leader")?.counters.appendEntries;
  if (!appends || !(appends.count > 0))
    throw new Error("the 3-node calibration run counted no AppendEntries on its leader");
  return {
    mean: round3(appends.mean),
    samples: appends.count,
    method: `entries per AppendEntries its leader sent over ${cell.durationS} s of measured load (3-node cluster, flags ${cell.flags}, ${cell.connections} connections)`,
  };
}

const acknowledged = (cell: Cell): number => cell.requests - cell.errors;

async function run(plan: RunPlan, o: ClusterRunOptions): Promise<Cell> {
  o.onRun(plan);
  const { size, flags, connections } = plan;
  const config = writeCell(
    { flags, size, connections, durationS: o.durationS, warmupS: o.warmupS, valueSize: o.valueSize, keys: 1000 },
    ENVIRONMENTS.loopback,
  );
  const ctx: CellContext = {
    loadgen: o.loadgen,
    leaderTimeoutMs: LEADER_TIMEOUT_MS,
    maxOutstanding: connections,
    nodeArgs: o.nodeArgs,
    verbose: false,
    target: null,
    onSystem: (s) => o.onSystem?.(s),
  };
  const cell = await runCell(config, ctx);
  if (cell.status !== "ok") {
    throw new Error(`the calibration run (${size} nodes, ${flags}, ${connections} connections) failed: ${cell.error}`);
  }
  return cell;
}
