// The nemesis: a seeded schedule of faults injected while clients run. Each lane injects one fault
// at a time, heals it after its duration and waits a quiet gap; with several lanes, faults overlap
// (a crash during a partition, say). Faults: partitions (random split, leader isolated, asymmetric,
// one cut link), bursts of drops, duplicates, reordering or delay, crash-restarts losing unsynced
// writes (one node, a majority, or the whole cluster at once), pauses longer than an election
// timeout, flag switches (a node runs another combination until the fault heals), leadership
// transfers (the leader hands over to a random node, which may be down, cut off or not a voter), and
// membership changes (a learner added, promoted or removed, a voter removed, the leader included),
// which stay.

import { allCombos, type Flags, formatFlags } from "../core/flags.ts";
import { type ConfChange, isMember } from "../core/membership.ts";
import type { ConfState, NodeId } from "../core/types.ts";
import type { Digest } from "./digest.ts";
import {
  cut,
  dropRandom,
  duplicate,
  isolate,
  type MessageFilter,
  oneWay,
  partition,
  reorder,
  slow,
} from "./network.ts";
import { MS, type Nanos, type Scheduler } from "./scheduler.ts";

/** What the nemesis needs from the cluster. */
export interface FaultTarget {
  readonly nodeIds: readonly NodeId[];
  /** The current leader (0 if none is known). */
  leader(): NodeId;
  addFilter(f: MessageFilter): number;
  removeFilter(id: number): void;
  crash(node: NodeId): void;
  restart(node: NodeId): void;
  pause(node: NodeId): void;
  resume(node: NodeId): void;
  /** Switches `node`'s flags at its driver's next safe point; null: back to the run's combination. */
  switchFlags(node: NodeId, flags: Flags | null): void;
  /** Asks leader `from` to hand leadership to `to`. */
  transferLeader(from: NodeId, to: NodeId): void;
  /** The configuration in force on `node`. */
  conf(node: NodeId): ConfState;
  /** Proposes a membership change on `node` (a leader); it may be refused, or lost with the leader. */
  changeMembers(node: NodeId, change: ConfChange): void;
}

const COMBOS = allCombos();

export interface NemesisOptions {
  /** Quiet time between faults: uniform in [min, max). */
  readonly gapNs: readonly [Nanos, Nanos];
  /** How long a fault lasts: uniform in [min, max). */
  readonly durationNs: readonly [Nanos, Nanos];
  /** The election timeout; pauses last longer than it. */
  readonly electionTimeoutNs: Nanos;
  /** Independent fault schedules running at once. */
  readonly lanes: number;
  /** A voter is removed only while more than this many remain. */
  readonly minVoters: number;
}

export interface FaultRecord {
  readonly time: Nanos;
  readonly kind: string;
  readonly detail: string;
}

type Heal = () => void;

export class Nemesis {
  readonly log: FaultRecord[] = [];
  private running = false;
  /** The fault in progress on each lane. */
  private readonly active = new Map<number, Heal>();

  constructor(
    private readonly sched: Scheduler,
    private readonly target: FaultTarget,
    private readonly o: NemesisOptions,
    private readonly trace: Digest,
  ) {}

  start(): void {
    this.running = true;
    for (let lane = 0; lane < this.o.lanes; lane++) this.scheduleNext(lane);
  }

  /** Stops injecting and heals the faults in progress. */
  stop(): void {
    this.running = false;
    for (const lane of [...this.active.keys()]) this.heal(lane);
  }

  private between([lo, hi]: readonly [Nanos, Nanos]): Nanos {
    return lo + Math.floor(this.sched.rng.next() * (hi - lo));
  }

  private scheduleNext(lane: number): void {
    this.sched.after(this.between(this.o.gapNs), () => {
      if (!this.running) return;
      const { heal, duration } = this.inject();
      this.active.set(lane, heal);
      this.sched.after(duration, () => {
        if (!this.running) return;
        this.heal(lane);
        this.scheduleNext(lane);
      });
    });
  }

  private heal(lane: number): void {
    const h = this.active.get(lane);
    if (h === undefined) return;
    this.active.delete(lane);
    h();
    this.record("heal", `lane ${lane}`);
  }

  private record(kind: string, detail: string): void {
    this.log.push({ time: this.sched.now, kind, detail });
    this.trace.add(`${this.sched.now} fault ${kind} ${detail}`);
  }

  private withFilter(kind: string, detail: string, f: MessageFilter, duration: Nanos): { heal: Heal; duration: Nanos } {
    this.record(kind, detail);
    const id = this.target.addFilter(f);
    return { heal: () => this.target.removeFilter(id), duration };
  }

  /** A victim: the leader half of the time (the interesting node), otherwise any node. */
  private victim(): NodeId {
    const ids = this.target.nodeIds;
    const leader = this.target.leader();
    if (leader !== 0 && this.sched.rng.next() < 0.5) return leader;
    return ids[this.sched.rng.int(0, ids.length)]!;
  }

  private shuffled(): NodeId[] {
    const ids = [...this.target.nodeIds];
    for (let i = ids.length - 1; i > 0; i--) {
      const j = this.sched.rng.int(0, i + 1);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    return ids;
  }

  /**
   * One single-server change on the leader, drawn among those its configuration allows: add a
   * non-member as a learner, promote or remove a learner, or remove a voter (the leader itself, at
   * times) while more than `minVoters` remain. Nothing to heal: the change stays, and the leader
   * may refuse it (a change pending, the learner behind) or lose it with its leadership.
   */
  private changeMembers(duration: Nanos): { heal: Heal; duration: Nanos } {
    const leader = this.target.leader();
    if (leader === 0) this.record("members", "no leader");
    // At times a second change at once, which the leader must refuse while the first is uncommitted.
    else for (let n = this.sched.rng.next() < 0.3 ? 2 : 1; n > 0; n--) this.changeMembersOn(leader);
    return { heal: () => {}, duration };
  }

  private changeMembersOn(leader: NodeId): void {
    const rng = this.sched.rng;
    const conf = this.target.conf(leader);
    const outsiders = this.target.nodeIds.filter((id) => !isMember(conf, id));
    const each = (op: ConfChange["op"], ids: readonly NodeId[]): ConfChange[] => ids.map((id) => ({ op, id }));
    const kinds = [
      each("add-learner", outsiders),
      each("promote", conf.learners),
      each("remove", conf.learners),
      conf.voters.length > this.o.minVoters ? each("remove", conf.voters) : [],
    ].filter((changes) => changes.length > 0);
    const changes = kinds[rng.int(0, kinds.length)]!;
    const change = changes[rng.int(0, changes.length)]!;
    this.record("members", `${change.op} ${change.id} on leader ${leader}`);
    this.target.changeMembers(leader, change);
  }

  /** Starts a random fault; returns how to heal it and when. */
  private inject(): { heal: Heal; duration: Nanos } {
    const rng = this.sched.rng;
    const duration = this.between(this.o.durationNs);
    const kinds = [
      () => {
        const ids = this.shuffled();
        const k = rng.int(1, Math.floor(ids.length / 2) + 1);
        const groups = [ids.slice(0, k), ids.slice(k)];
        return this.withFilter("partition", groups.map((g) => g.join(",")).join(" | "), partition(groups), duration);
      },
      () => {
        const node = this.victim();
        return this.withFilter("isolate", `node ${node}`, isolate(node), duration);
      },
      () => {
        // Asymmetric: the node still hears the others but cannot reach them (or the reverse).
        const node = this.victim();
        const others = this.target.nodeIds.filter((n) => n !== node);
        return rng.next() < 0.5
          ? this.withFilter("one-way", `${node} -/-> others`, oneWay([node], others), duration)
          : this.withFilter("one-way", `others -/-> ${node}`, oneWay(others, [node]), duration);
      },
      () => {
        const [a, b] = this.shuffled();
        return this.withFilter("cut", `${a} -/-> ${b}`, cut(a!, b!), duration);
      },
      () => {
        const p = 0.1 + rng.next() * 0.4;
        return this.withFilter("drop", `p=${p.toFixed(2)}`, dropRandom(p), duration);
      },
      () => this.withFilter("duplicate", "p=0.30", duplicate(0.3, 10 * MS), duration),
      () => this.withFilter("reorder", "p=0.50", reorder(0.5, 20 * MS), duration),
      () => {
        const extra = rng.int(2, 20) * MS;
        return this.withFilter("slow", `+${extra / MS}ms`, slow(extra), duration);
      },
      () => {
        const node = this.victim();
        this.record("crash", `node ${node}`);
        this.target.crash(node);
        return { heal: () => this.target.restart(node), duration };
      },
      () => {
        // A majority, or every node (a power failure): only what was fsynced survives.
        const ids = this.shuffled();
        const down = rng.next() < 0.5 ? ids : ids.slice(0, Math.floor(ids.length / 2) + 1);
        this.record("crash", `nodes ${down.join(",")}`);
        for (const n of down) this.target.crash(n);
        return {
          heal: () => {
            for (const n of down) this.target.restart(n);
          },
          duration: duration / 4,
        };
      },
      () => {
        const node = this.victim();
        // Longer than an election timeout: the others move on, and the node wakes up stale.
        const pauseNs = Math.floor(this.o.electionTimeoutNs * (1.5 + rng.next() * 1.5));
        this.record("pause", `node ${node} for ${(pauseNs / MS).toFixed(0)}ms`);
        this.target.pause(node);
        return { heal: () => this.target.resume(node), duration: pauseNs };
      },
      () => {
        const node = this.victim();
        const flags = COMBOS[rng.int(0, COMBOS.length)]!;
        this.record("flags", `node ${node} to ${formatFlags(flags)}`);
        this.target.switchFlags(node, flags);
        return { heal: () => this.target.switchFlags(node, null), duration };
      },
      () => {
        const leader = this.target.leader();
        const others = this.target.nodeIds.filter((n) => n !== leader);
        const to = others[rng.int(0, others.length)]!;
        this.record("transfer", leader === 0 ? "no leader" : `node ${leader} to ${to}`);
        if (leader !== 0) this.target.transferLeader(leader, to);
        return { heal: () => {}, duration };
      },
      () => this.changeMembers(duration),
      () => this.changeMembers(duration),
    ];
    return kinds[rng.int(0, kinds.length)]!();
  }
}
