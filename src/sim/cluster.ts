// N simulated nodes (and spares outside the configuration, which the nemesis may add), each the real stack: RawNode + store + RaftDriver + KvStateMachine, the same
// driver the networked node runs, so the simulator exercises the real flag policies. What is
// simulated is only the world around it: the clock (a tick every `tickNs`), the network, the disk
// (fsync latency; which unsynced writes a crash keeps), the apply loop's delay, and the process itself
// (crash-restart, pause).
//
// Every callback into a node passes its gate: a callback from before a crash is discarded, and one
// arriving while the node is paused waits for it to resume. After each event the node's role, term
// and commit go to the invariant checks.
//
// In performance mode (`loop` set) each node also has one event loop (event-loop.ts): every gated
// callback is a task on it, charged the CPU cost of what it does (messages sent and received,
// entries appended and applied, client requests), and what it hands out leaves once the task has
// paid for the work before it.

import { configFromFlags, type RaftConfig } from "../core/config.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import { type ConfChange, confMembers } from "../core/membership.ts";
import { RawNode } from "../core/raw-node.ts";
import type { RaftStatus } from "../core/status.ts";
import type { ConfState, Entry, Message, NodeId } from "../core/types.ts";
import { type Applier, RaftDriver } from "../node/driver.ts";
import type { ApplyResult } from "../node/kv-command.ts";
import { KvStateMachine } from "../node/kv-state-machine.ts";
import { MechanismCounters } from "../node/mechanism-counters.ts";
import { StageStats } from "../node/stage-stats.ts";
import { MemoryStore } from "../storage/memory-store.ts";
import type { ClientGateway } from "./clients.ts";
import type { Digest } from "./digest.ts";
import { type DiskShape, SimDisk } from "./disk.ts";
import { EventLoop, type WakeCost } from "./event-loop.ts";
import { Invariants } from "./invariants.ts";
import type { FaultTarget } from "./nemesis.ts";
import { type LinkShape, type MessageFilter, Network } from "./network.ts";
import { ObservedStateMachine, ObservedStore } from "./observed.ts";
import type { CpuCosts } from "./perf-model.ts";
import { MS, type Nanos, type Scheduler, US } from "./scheduler.ts";
import { type Cpu, DedicatedCpu, SharedCpu } from "./shared-cpu.ts";

export interface ClusterOptions {
  /** Voters of the initial configuration, nodes 1..nodes. */
  readonly nodes: number;
  /** Further nodes, nodes+1..nodes+spares, that start outside the configuration (to be added). */
  readonly spares: number;
  readonly flags: Flags;
  readonly tickNs: Nanos;
  /** Core config beyond the flags (election/heartbeat ticks, batch and window sizes). */
  readonly raft: Partial<RaftConfig>;
  readonly link: LinkShape;
  readonly disk: DiskShape;
  /**
   * Virtual time applying one entry holds the applying thread: the async apply loop's, or in
   * performance mode with async apply off, the event loop's.
   */
  readonly applyNsPerEntry: Nanos;
  /** Compact the log every this many applied entries. */
  readonly snapshotEvery: number;
  /** Each node's clock runs at a rate drawn within 1 ± this (its ticks and its lease clock alike). */
  readonly clockDrift: number;
  /** Node i's clock rate, given instead of drawn (a scripted scenario). */
  readonly clockRates?: readonly number[];
  /**
   * Performance mode: the CPU costs each node's event loop pays, divided by `cpuScale`; `cores`,
   * when set, the cores every loop of the run (the load generator's too) shares, else each loop
   * has a core of its own.
   */
  readonly loop?: {
    readonly cpu: CpuCosts;
    readonly cpuScale: number;
    readonly cores?: number | null;
    /** What every loop pays to wake from idle (the CPU part already divided by `cpuScale`). */
    readonly wake: WakeCost;
  };
}

/** One process's lifetime: rebuilt from the store on every restart. */
interface Incarnation {
  readonly core: RawNode;
  readonly driver: RaftDriver<ApplyResult>;
  /** The key-value state the clients read; the driver applies to it through an ObservedStateMachine. */
  readonly kv: KvStateMachine;
  readonly sm: ObservedStateMachine<ApplyResult>;
}

export class SimNode {
  epoch = 0;
  up = true;
  paused = false;
  private deferred: (() => void)[] = [];
  readonly disk: SimDisk;
  readonly store: ObservedStore;
  /** What the optimizations did on this node, over all its incarnations. */
  readonly counters = new MechanismCounters();
  /** Performance mode: the node's event loop, and the stages of the proposals it led. */
  readonly loop: EventLoop | null;
  readonly stages: StageStats | null;
  private readonly cpu: CpuCosts | null;
  /** Virtual ns per µs of CPU cost. */
  private readonly nsPerUs: number;
  inc!: Incarnation;

  constructor(
    readonly id: NodeId,
    private readonly cluster: Cluster,
    /** How fast this node's clock runs against virtual time. */
    readonly clockRate: number,
  ) {
    const perf = cluster.o.loop;
    this.loop = perf ? new EventLoop(cluster.sched, cluster.cpu, perf.wake) : null;
    this.stages = perf ? new StageStats() : null;
    this.cpu = perf?.cpu ?? null;
    this.nsPerUs = US / (perf?.cpuScale ?? 1);
    this.disk = new SimDisk(cluster.sched, cluster.o.disk, (fn) => this.gate(fn));
    const memory = new MemoryStore((fn) => this.issue(() => this.disk.schedule(fn)), this.disk.survivors);
    this.store = new ObservedStore(memory, id, cluster.inv, (n) => this.charge((c) => c.appendUsPerEntry * n));
  }

  /**
   * Wraps a callback into this node: dropped if the node crashed since, deferred while it is paused,
   * and followed by the invariant checks. In performance mode it is a task on the node's loop.
   */
  gate(fn: () => void): () => void {
    const epoch = this.epoch;
    const run = (): void => {
      if (epoch !== this.epoch || !this.up) return;
      if (this.paused) {
        this.deferred.push(enter);
        return;
      }
      fn();
      this.cluster.observe(this);
    };
    const loop = this.loop;
    const enter = loop ? () => loop.submit(run) : run;
    return enter;
  }

  /** Charges the running task the CPU cost `of` the node's costs (performance mode). */
  charge(of: (c: CpuCosts) => number): void {
    if (this.cpu) this.loop!.charge(of(this.cpu) * this.nsPerUs);
  }

  /** Runs `fn` once the running task has paid for its work so far (at once outside performance mode). */
  issue(fn: () => void): void {
    if (this.loop) this.loop.issue(fn);
    else fn();
  }

  /** Runs `fn` now through the gate. */
  run(fn: () => void): void {
    this.gate(fn)();
  }

  boot(): void {
    const { cluster } = this;
    const { sched, o } = cluster;
    const kv = new KvStateMachine();
    const sm = new ObservedStateMachine(kv, this.id, cluster.inv);
    const snap = this.store.snapshot();
    sm.restore(snap.data, snap.meta.index);
    const seed = sched.rng.int(1, 2 ** 31);
    const voters = this.id <= o.nodes ? cluster.initialVoters : [];
    const configFor = (flags: Flags): RaftConfig => configFromFlags(this.id, voters, flags, { ...o.raft, seed });
    const core = new RawNode(configFor(o.flags), this.store, () => (sched.now * this.clockRate) / MS);
    const applyAll = (entries: readonly Entry[]): ApplyResult[] => {
      this.charge((c) => c.applyUsPerEntry * entries.length);
      return entries.map((e) => sm.apply(e));
    };
    // Async: the hold is on the apply thread, then the state update is a task of the node's own.
    const asyncApplier: Applier<ApplyResult> = {
      apply: (entries, done) =>
        this.issue(() =>
          sched.after(
            o.applyNsPerEntry * entries.length,
            this.gate(() => done(applyAll(entries))),
          ),
        ),
    };
    // Inline: the hold keeps the event loop busy (performance mode; elsewhere it costs nothing).
    const inlineApplier: Applier<ApplyResult> = {
      apply: (entries, done) => {
        this.loop?.hold(o.applyNsPerEntry * entries.length);
        done(applyAll(entries));
      },
    };
    const stages = this.stages;
    const driver = new RaftDriver({
      core,
      store: this.store,
      flags: o.flags,
      configFor,
      stateMachine: sm,
      send: (msgs) => {
        // The transport flushes its queues once per loop turn.
        this.charge((c) => c.messageUs * msgs.length);
        if (this.loop) this.loop.afterTask(() => cluster.network.send(msgs));
        else cluster.network.send(msgs);
      },
      asyncApplier,
      inlineApplier,
      ...(stages ? { now: () => sched.now / MS, onTimings: (t) => stages.record(t) } : {}),
      schedule: (fn) => sched.after(0, this.gate(fn)),
      onFatal: (err) => {
        throw err;
      },
      snapshotEvery: o.snapshotEvery,
      counters: this.counters,
    });
    this.inc = { core, driver, kv, sm };
    this.up = true;
  }

  crash(): void {
    if (!this.up) return;
    this.epoch++;
    this.up = false;
    this.paused = false;
    this.deferred = [];
    this.inc.driver.stop();
    this.store.crash();
  }

  pause(): void {
    if (this.up) this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const run of this.deferred.splice(0)) this.cluster.sched.after(0, run);
  }

  status(): RaftStatus {
    return this.inc.core.status();
  }
}

export class Cluster implements FaultTarget, ClientGateway {
  /** Every node, spares included. */
  readonly nodeIds: readonly NodeId[];
  readonly initialVoters: readonly NodeId[];
  readonly network: Network;
  private readonly nodes = new Map<NodeId, SimNode>();
  /** Flag switches that took effect (at a driver's safe point). */
  flagSwitches = 0;
  /** Leadership transfers that ended with the target leading. */
  transfers = 0;
  /** Membership changes that committed (applied on the node that proposed them). */
  memberChanges = 0;
  /** The safety checks every node event goes through. */
  readonly inv: Invariants;
  /** Performance mode: what the event loops run their tasks' CPU on. */
  readonly cpu: Cpu;

  constructor(
    readonly sched: Scheduler,
    readonly o: ClusterOptions,
    private readonly trace: Digest,
  ) {
    this.inv = new Invariants(
      () => sched.now,
      (node, index, term) => this.durablyHolds(node, index, term),
    );
    this.nodeIds = Array.from({ length: o.nodes + o.spares }, (_, i) => i + 1);
    this.initialVoters = this.nodeIds.slice(0, o.nodes);
    this.network = new Network(sched, o.link, (to, msg) => this.deliver(to, msg));
    const cores = o.loop?.cores;
    this.cpu = cores ? new SharedCpu(sched, cores) : new DedicatedCpu(sched);
    for (const id of this.nodeIds) {
      const rate = o.clockRates?.[id - 1] ?? (o.clockDrift === 0 ? 1 : 1 + (sched.rng.next() * 2 - 1) * o.clockDrift);
      this.nodes.set(id, new SimNode(id, this, rate));
    }
  }

  /** Boots every node and starts their clocks (each at its own phase within a tick). */
  start(): void {
    for (const n of this.nodes.values()) {
      n.boot();
      const tickNs = Math.round(this.o.tickNs / n.clockRate);
      const tick = (): void => {
        if (n.up && !n.paused) n.run(() => n.inc.driver.tick());
        this.sched.after(tickNs, tick);
      };
      this.sched.after(this.sched.rng.int(0, this.o.tickNs), tick);
    }
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new RangeError(`no node ${id}`);
    return n;
  }

  /** After each node event: the invariants see its role, term and commit. */
  observe(n: SimNode): void {
    if (!n.up) return;
    const s = n.status();
    this.inv.onStatus(n.id, { role: s.role, term: s.term, commit: s.commit, voters: s.conf.voters });
  }

  /** Whether `node`'s disk holds entry (index, term): the invariants' commit quorum check. */
  durablyHolds(node: NodeId, index: number, term: number): boolean {
    return this.node(node).store.inner.durablyHolds(index, term);
  }

  private deliver(to: NodeId, msg: Message): void {
    this.trace.addNums([this.sched.now, msg.from, to, msg.type, msg.term, msg.index, msg.entries.length, msg.commit]);
    const n = this.node(to);
    n.run(() => {
      n.charge((c) => c.messageUs);
      n.inc.driver.step([msg]);
    });
  }

  // ---- ClientGateway ----

  call(node: NodeId, fn: (driver: RaftDriver<ApplyResult>, kv: KvStateMachine) => void): void {
    const n = this.node(node);
    n.run(() => fn(n.inc.driver, n.inc.kv));
  }

  /**
   * A client's HTTP request arriving at `node`: the node pays its HTTP cost, and `respond` sends the
   * answer when the task that gives it has paid for the work before it.
   */
  serve(node: NodeId, handle: (driver: RaftDriver<ApplyResult>, respond: (answer: () => void) => void) => void): void {
    const n = this.node(node);
    n.run(() => {
      n.charge((c) => c.httpUsPerRequest);
      handle(n.inc.driver, (answer) => n.issue(answer));
    });
  }

  // ---- FaultTarget ----

  /** The leader of the highest term among running nodes (0 if none). */
  leader(): NodeId {
    let best: NodeId = 0;
    let term = -1;
    for (const n of this.nodes.values()) {
      if (!n.up || n.paused) continue;
      const s = n.status();
      if (s.role === "leader" && s.term > term) {
        best = n.id;
        term = s.term;
      }
    }
    return best;
  }

  addFilter(f: MessageFilter): number {
    return this.network.addFilter(f);
  }

  removeFilter(id: number): void {
    this.network.removeFilter(id);
  }

  crash(node: NodeId): void {
    this.node(node).crash();
  }

  restart(node: NodeId): void {
    const n = this.node(node);
    if (!n.up) n.boot();
  }

  pause(node: NodeId): void {
    this.node(node).pause();
  }

  resume(node: NodeId): void {
    this.node(node).resume();
  }

  switchFlags(node: NodeId, flags: Flags | null): void {
    const n = this.node(node);
    // A crashed node reboots on the run's combination anyway.
    if (!n.up) return;
    n.run(() =>
      n.inc.driver.setFlags(flags ?? this.o.flags, (inForce) => {
        if (inForce === null) return;
        this.flagSwitches++;
        this.trace.add(`${this.sched.now} flags ${node} ${formatFlags(inForce)}`);
      }),
    );
  }

  transferLeader(from: NodeId, to: NodeId): void {
    const n = this.node(from);
    if (!n.up || n.paused) return;
    n.run(() =>
      n.inc.driver.transferLeader(to, (o) => {
        this.trace.add(`${this.sched.now} transfer ${from} to ${to} ${o.ok ? "done" : o.code}`);
        if (o.ok) this.transfers++;
      }),
    );
  }

  conf(node: NodeId): ConfState {
    return this.node(node).status().conf;
  }

  changeMembers(node: NodeId, change: ConfChange): void {
    const n = this.node(node);
    if (!n.up) return;
    n.run(() =>
      n.inc.driver.changeMembers(change, (out) => {
        const outcome = out.ok ? `committed at ${out.index}` : `refused: ${out.code}`;
        if (out.ok) this.memberChanges++;
        this.trace.add(`${this.sched.now} members ${node} ${change.op} ${change.id} ${outcome}`);
      }),
    );
  }

  /** The members of the configuration in force on the leader (every node if there is none). */
  members(): NodeId[] {
    const leader = this.leader();
    return leader === 0 ? [...this.nodeIds] : confMembers(this.conf(leader)).sort((a, b) => a - b);
  }

  /** Ends every fault: filters removed, paused nodes resumed, crashed nodes restarted. */
  healAll(): void {
    this.network.clearFilters();
    for (const id of this.nodeIds) {
      this.resume(id);
      this.restart(id);
    }
  }

  /** The applied index and state machine of each of `ids`, for the end-of-run comparison. */
  applied(
    ids: readonly NodeId[] = this.nodeIds,
  ): { id: NodeId; index: number; get: (key: string) => Uint8Array | null }[] {
    return ids
      .map((id) => this.node(id))
      .map((n) => ({
        id: n.id,
        index: n.inc.sm.appliedIndex,
        get: (k: string) => n.inc.kv.get(k),
      }));
  }
}
