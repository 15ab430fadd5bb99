// The simulator's performance mode: one cluster of the real stack in virtual time, no faults, under
// closed-loop load on its leader, with the costs of a PerfModel charged to each node (its event loop's
// CPU, its disk's fsyncs, its links' latency and bandwidth). A warm-up, then a measured window whose
// outcomes go to the observer; what the nodes did over the window comes back. Like every simulated
// run it is a pure function of its options: the seed draws election timeouts and fsync latencies.

import type { Flags } from "../core/flags.ts";
import type { NodeId } from "../core/types.ts";
import type { CounterSnapshot } from "../node/mechanism-counters.ts";
import type { Stage, StageSummary } from "../node/stage-stats.ts";
import { ClosedLoop, type LoadObserver } from "./closed-loop.ts";
import { Cluster, type ClusterOptions } from "./cluster.ts";
import { Digest } from "./digest.ts";
import type { WakeCost } from "./event-loop.ts";
import type { PerfModel } from "./perf-model.ts";
import { MS, type Nanos, Scheduler, US } from "./scheduler.ts";

export interface PerfRunOptions {
  readonly seed: number;
  readonly flags: Flags;
  readonly nodes: number;
  readonly connections: number;
  /** Bytes of each write's value. */
  readonly valueBytes: number;
  readonly model: PerfModel;
  readonly warmupNs: Nanos;
  readonly durationNs: Nanos;
}

/** Told when the measured window opens and closes, and of every outcome within it. */
export interface WindowObserver extends LoadObserver {
  begin(atNs: Nanos): void;
  end(atNs: Nanos): void;
}

export interface PerfNode {
  readonly id: NodeId;
  /** The node's role when the window closed. */
  readonly role: string;
  readonly countersBefore: CounterSnapshot;
  readonly countersAfter: CounterSnapshot;
  /** The fraction of the window the node's event loop was busy. */
  readonly loopBusy: number;
  /** Times the node's event loop woke from idle within the window. */
  readonly wakes: number;
}

/** The load generator's loop over the window: what it was charged, and how often it woke. */
export interface PerfLoadgen {
  readonly busyNs: Nanos;
  readonly wakes: number;
}

export interface PerfResult {
  /** The leader when the window closed (0 if none). */
  readonly leader: NodeId;
  readonly nodes: readonly PerfNode[];
  readonly loadgen: PerfLoadgen;
  /** The stages of the proposals the leader took through to apply within the window. */
  readonly stagesUs: Record<Stage, StageSummary>;
  /** Fingerprint of the run's message trace: equal for equal options. */
  readonly digest: string;
  readonly virtualNs: Nanos;
  readonly events: number;
}

/** The bench's nodes' timing: 15 ms ticks, elections after 40–80 ticks (see bench/cell.ts). */
const TICK_NS = 15 * MS;
const ELECTION_TICKS = 40;
/** A leader must be elected within this much virtual time. */
const ELECTION_DEADLINE_NS = 10_000 * MS;
/** As `raftlab node`'s default. */
const SNAPSHOT_EVERY = 100_000;

/** What every loop of the model pays to wake from idle. */
function wakeCost(m: PerfModel): WakeCost {
  return { latencyNs: Math.round(m.wakeLatencyUs * US), cpuNs: (m.cpu.wakeUs * US) / m.cpuScale };
}

function perfWorld(o: PerfRunOptions): ClusterOptions {
  const m = o.model;
  return {
    nodes: o.nodes,
    flags: o.flags,
    tickNs: TICK_NS,
    raft: { electionTicks: ELECTION_TICKS },
    spares: 0,
    clockDrift: 0,
    link: { baseNs: Math.round((m.rttMs * MS) / 2), jitterNs: 0, bytesPerNs: m.bandwidthMbps / 8000 },
    disk: { fsyncP50Ns: Math.round(m.fsyncMs.p50 * MS), fsyncP99Ns: Math.round(m.fsyncMs.p99 * MS) },
    applyNsPerEntry: Math.round(m.applyHoldUs * US),
    snapshotEvery: SNAPSHOT_EVERY,
    loop: { cpu: m.cpu, cpuScale: m.cpuScale, cores: m.cores, wake: wakeCost(m) },
  };
}

export function runPerf(o: PerfRunOptions, observer: WindowObserver): PerfResult {
  const sched = new Scheduler(o.seed);
  const trace = new Digest();
  const cluster = new Cluster(sched, perfWorld(o), trace);
  let measuring = false;
  const load = new ClosedLoop(
    sched,
    cluster,
    {
      connections: o.connections,
      valueBytes: o.valueBytes,
      clientOneWayNs: Math.round((o.model.clientRttMs * MS) / 2),
      nsPerRequest: (o.model.cpu.loadgenUsPerRequest * US) / o.model.cpuScale,
      wake: wakeCost(o.model),
    },
    {
      success: (at, latency) => measuring && observer.success(at, latency),
      failure: (at, kind) => measuring && observer.failure(at, kind),
    },
  );
  cluster.start();
  sched.runUntil(ELECTION_DEADLINE_NS, () => cluster.leader() !== 0);
  const first = cluster.leader();
  if (first === 0) throw new Error(`no leader elected within ${ELECTION_DEADLINE_NS / MS} ms of virtual time`);
  load.start(first);
  sched.runUntil(sched.now + o.warmupNs);

  const ids = cluster.nodeIds;
  const opened = sched.now;
  const before = ids.map((id) => ({
    counters: cluster.node(id).counters.snapshot(),
    busy: cluster.node(id).loop!.busyNs,
    wakes: cluster.node(id).loop!.wakes,
  }));
  const loadgenBefore = { busyNs: load.loop.busyNs, wakes: load.loop.wakes };
  for (const id of ids) cluster.node(id).stages!.reset();
  measuring = true;
  observer.begin(opened);
  sched.runUntil(opened + o.durationNs);
  measuring = false;
  observer.end(sched.now);
  load.stop();

  const leader = cluster.leader();
  const nodes = ids.map((id, i): PerfNode => {
    const n = cluster.node(id);
    return {
      id,
      role: n.status().role,
      countersBefore: before[i]!.counters,
      countersAfter: n.counters.snapshot(),
      loopBusy: (n.loop!.busyNs - before[i]!.busy) / o.durationNs,
      wakes: n.loop!.wakes - before[i]!.wakes,
    };
  });
  const loadgen = { busyNs: load.loop.busyNs - loadgenBefore.busyNs, wakes: load.loop.wakes - loadgenBefore.wakes };
  return {
    leader,
    nodes,
    loadgen,
    stagesUs: cluster.node(leader || first).stages!.summary().stagesUs,
    digest: trace.hex(),
    virtualNs: sched.now,
    events: sched.eventsRun,
  };
}
