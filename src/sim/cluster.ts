// N simulated nodes (and spares outside the configuration, which the nemesis may add), each the real stack: RawNode + store + RaftDriver + KvStateMachine, the same
// driver the networked node runs, so the simulator exercises the real flag policies. What is
// simulated is only the world around it: the clock (a tick every `tickNs`), the network, the disk
// (fsync latency; which unsynced writes a crash keeps), the apply loop's delay, and the process itself
// (crash-restart, pause).
//
// Every callback into a node passes its gate: a callback from before a crash is discarded, and one
// arriving while the node is paused waits for it to resume. After each event the node's role, term
// and commit go to the invariant checks.

import { configFromFlags, type RaftConfig } from "../core/config.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import { type ConfChange, confMembers } from "../core/membership.ts";
import { RawNode } from "../core/raw-node.ts";
import type { RaftStatus } from "../core/status.ts";
import type { ConfState, Message, NodeId } from "../core/types.ts";
import { type Applier, RaftDriver } from "../node/driver.ts";
import type { ApplyResult } from "../node/kv-command.ts";
import { KvStateMachine } from "../node/kv-state-machine.ts";
import { MechanismCounters } from "../node/mechanism-counters.ts";
import { MemoryStore } from "../storage/memory-store.ts";
import type { ClientGateway } from "./clients.ts";
import type { Digest } from "./digest.ts";
import { type DiskShape, SimDisk } from "./disk.ts";
import { Invariants } from "./invariants.ts";
import type { FaultTarget } from "./nemesis.ts";
import { type LinkShape, type MessageFilter, Network } from "./network.ts";
import { ObservedStateMachine, ObservedStore } from "./observed.ts";
import type { Nanos, Scheduler } from "./scheduler.ts";

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
  /** Virtual time the async apply loop takes per entry. */
  readonly applyNsPerEntry: Nanos;
  /** Compact the log every this many applied entries. */
  readonly snapshotEvery: number;
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
  inc!: Incarnation;

  constructor(
    readonly id: NodeId,
    private readonly cluster: Cluster,
  ) {
    this.disk = new SimDisk(cluster.sched, cluster.o.disk, (fn) => this.gate(fn));
    this.store = new ObservedStore(new MemoryStore(this.disk.schedule, this.disk.survivors), id, cluster.inv);
  }

  /**
   * Wraps a callback into this node: dropped if the node crashed since, deferred while it is paused,
   * and followed by the invariant checks.
   */
  gate(fn: () => void): () => void {
    const epoch = this.epoch;
    const run = (): void => {
      if (epoch !== this.epoch || !this.up) return;
      if (this.paused) {
        this.deferred.push(run);
        return;
      }
      fn();
      this.cluster.observe(this);
    };
    return run;
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
    const core = new RawNode(configFor(o.flags), this.store);
    const asyncApplier: Applier<ApplyResult> = {
      apply: (entries, done) =>
        sched.after(
          o.applyNsPerEntry * entries.length,
          this.gate(() => done(entries.map((e) => sm.apply(e)))),
        ),
    };
    const driver = new RaftDriver({
      core,
      store: this.store,
      flags: o.flags,
      configFor,
      stateMachine: sm,
      send: (msgs) => cluster.network.send(msgs),
      asyncApplier,
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
  /** Membership changes that committed (applied on the node that proposed them). */
  memberChanges = 0;
  /** The safety checks every node event goes through. */
  readonly inv: Invariants;

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
    for (const id of this.nodeIds) this.nodes.set(id, new SimNode(id, this));
  }

  /** Boots every node and starts their clocks (each at its own phase within a tick). */
  start(): void {
    for (const n of this.nodes.values()) {
      n.boot();
      const tick = (): void => {
        if (n.up && !n.paused) n.run(() => n.inc.driver.tick());
        this.sched.after(this.o.tickNs, tick);
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
    n.run(() => n.inc.driver.step([msg]));
  }

  // ---- ClientGateway ----

  call(node: NodeId, fn: (driver: RaftDriver<ApplyResult>, kv: KvStateMachine) => void): void {
    const n = this.node(node);
    n.run(() => fn(n.inc.driver, n.inc.kv));
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
