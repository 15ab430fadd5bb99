// CPU per write from short runs of the real node: a closed-loop write load on a 1-node and on a
// 3-node cluster started as the bench starts its cells (bench/cell.ts), with the CPU accounting of
// the bench's cells (each process's CPU over the measured window ÷ acknowledged writes). All flags
// on and 128 connections, the most batching a cell of the bench's presets gets: the cheapest writes,
// so ceilings computed from these costs hold for every combination up to that load (a less batched
// cell pays more per write: on this VM the 3-node leader paid 31–37 µs per write at 32 connections,
// 21 µs at 128).

import { type CellContext, runCell } from "../cell.ts";
import { ENVIRONMENTS } from "../environments.ts";
import type { LoadRunner } from "../load/loadgen.ts";
import type { Cell, CellConfig } from "../results.ts";
import { round3, type SystemUnderTest } from "../systems/system.ts";
import type { Cost, EntriesPerAppend } from "./calibration.ts";

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
}

export interface ClusterRunOptions {
  readonly loadgen: LoadRunner;
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueSize: number;
  /** `raftlab node` options for every node. */
  readonly nodeArgs: readonly string[];
  /** Told before each run starts. */
  readonly onRun: (size: number) => void;
  /** Told about each cluster as soon as it exists, so an abort can stop it. */
  readonly onSystem?: (system: SystemUnderTest) => void;
}

export async function measureClusterCpu(o: ClusterRunOptions): Promise<ClusterCosts> {
  o.onRun(1);
  const single = await run(1, o);
  o.onRun(3);
  const three = await run(3, o);
  const method = (what: string, cell: Cell): string =>
    `CPU of ${what} over ${cell.durationS} s of measured load ÷ the ${acknowledged(cell)} writes acknowledged ` +
    `(${cell.size}-node cluster, flags all, ${CONNECTIONS} connections, ${cell.valueSize}-byte values)`;
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
    method: `entries per AppendEntries its leader sent over ${cell.durationS} s of measured load (3-node cluster, flags all, ${CONNECTIONS} connections)`,
  };
}

const acknowledged = (cell: Cell): number => cell.requests - cell.errors;

async function run(size: number, o: ClusterRunOptions): Promise<Cell> {
  const config: CellConfig = {
    system: "raftlab",
    flags: "all",
    size,
    connections: CONNECTIONS,
    rate: null,
    rep: 0,
    durationS: o.durationS,
    warmupS: o.warmupS,
    valueSize: o.valueSize,
    keys: 1000,
    keyDist: "uniform",
    readRatio: 0,
    netJitterMs: 0,
    netLoss: 0,
    ...ENVIRONMENTS.loopback,
  };
  const ctx: CellContext = {
    loadgen: o.loadgen,
    leaderTimeoutMs: LEADER_TIMEOUT_MS,
    maxOutstanding: CONNECTIONS,
    nodeArgs: o.nodeArgs,
    verbose: false,
    target: null,
    onSystem: (s) => o.onSystem?.(s),
  };
  const cell = await runCell(config, ctx);
  if (cell.status !== "ok") throw new Error(`the ${size}-node calibration run failed: ${cell.error}`);
  return cell;
}
