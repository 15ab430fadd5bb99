// Plays a cell's events against its running cluster: each at its time after the measured window
// opened, through the chaos nemesis's fault injection (src/chaos/fault-injector.ts: kills, pauses,
// link cuts on a LocalCluster) or the node's admin endpoints (a slow disk: POST /admin/fsync-delay;
// a hand-over: POST /admin/transfer-leader; membership: a node added as a learner, or a follower
// removed, through POST /admin/members). At the
// window's close everything is healed and every node answers again, so the cell's statistics can be
// scraped from all of them.

import { type ActiveFault, FaultInjector } from "../../src/chaos/fault-injector.ts";
import type { FaultTarget, PlannedFault } from "../../src/chaos/faults.ts";
import { type BenchEvent, type EventNode, formatEvent, type Injection, KILL_RESTART_MS } from "./event.ts";

/** The hands events need on a cluster (src/chaos/cluster-target.ts has them). */
export interface EventTarget extends FaultTarget {
  isRunning(id: number): boolean;
  /** Resolves false when the node did not accept the change. */
  setFsyncDelay(id: number, us: number): Promise<boolean>;
  /** Starts a new node and adds it as a learner: its id and how long until the change committed, or why not. */
  addLearner(): Promise<{ id: number; ms: number } | { refused: string }>;
  /** Removes member `id` through leader `leader`: how long until the change committed, or why not. */
  removeMember(leader: number, id: number): Promise<{ ms: number } | { refused: string }>;
  /** Resumes and restarts every node and clears all link shaping; rejects after `timeoutMs`. */
  healAll(timeoutMs?: number): Promise<void>;
}

/** How long an event waits for a leader to act on (one may be being elected after an earlier event). */
const LEADER_WAIT_MS = 10_000;
const LEADER_POLL_MS = 20;

export class EventRunner {
  private readonly injector: FaultInjector;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Set<ActiveFault>();
  private readonly pending: Promise<void>[] = [];
  private readonly done: Injection[] = [];
  private openedAtMs = 0;
  private stopped = false;

  /** `nowMs`: the clock the window's opening is given on (ms since the Unix epoch). */
  constructor(
    private readonly events: readonly BenchEvent[],
    private readonly target: EventTarget,
    private readonly nowMs: () => number,
  ) {
    this.injector = new FaultInjector(target, nowMs);
  }

  /** Schedules every event relative to `openedAtMs`, when the measured window opened. */
  start(openedAtMs: number): void {
    this.openedAtMs = openedAtMs;
    for (const e of this.events) {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          this.pending.push(this.fire(e));
        },
        Math.max(0, openedAtMs + e.atS * 1000 - this.nowMs()),
      );
      this.timers.add(timer);
    }
  }

  /** Cancels what has not fired, heals what is active, and resolves with what was injected, in order. */
  async stop(): Promise<Injection[]> {
    this.cancel();
    await Promise.all(this.pending);
    await Promise.all([...this.active].map((a) => a.heal()));
    this.active.clear();
    await this.target.healAll();
    return [...this.done].sort((a, b) => a.atMs - b.atMs);
  }

  /** Cancels what has not fired and heals nothing (the cell failed: its cluster is being torn down). */
  cancel(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async fire(e: BenchEvent): Promise<void> {
    const leader = await this.waitForLeader();
    if (this.stopped) return;
    if (e.kind === "slow-disk") return this.slowDisk(e, leader);
    if (e.kind === "transfer-leader") return this.transferLeader(e, leader);
    if (e.kind === "add-learner" || e.kind === "remove-follower") return this.changeMembers(e, leader);
    const fault: PlannedFault =
      e.kind === "kill-leader"
        ? { lane: "process", kind: "kill-leader", atMs: 0, forMs: KILL_RESTART_MS, node: leader }
        : e.kind === "pause-follower"
          ? // "pause-long" pauses the named node, as "pause-short" does: the kinds differ only in the
            // lengths the chaos nemesis plans for them.
            { lane: "process", kind: "pause-long", atMs: 0, forMs: e.ms, node: this.follower(leader) }
          : { lane: "network", kind: "isolate-leader", atMs: 0, forMs: e.ms, node: leader };
    const active = await this.injector.inject(fault);
    const { event } = active;
    this.done.push({
      event: formatEvent(e),
      kind: e.kind,
      detail: event.detail,
      nodes: event.nodes,
      atMs: event.startMs - this.openedAtMs,
      missed: event.missed,
    });
    this.active.add(active);
    if (this.stopped) return; // stop() heals it
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (this.active.delete(active)) this.pending.push(active.heal());
      },
      Math.max(0, event.startMs + fault.forMs - this.nowMs()),
    );
    this.timers.add(timer);
  }

  private async slowDisk(e: Extract<BenchEvent, { kind: "slow-disk" }>, leader: number): Promise<void> {
    const id = this.resolve(e.node, leader);
    const atMs = this.nowMs() - this.openedAtMs;
    const ok = await this.target.setFsyncDelay(id, e.us);
    this.done.push({
      event: formatEvent(e),
      kind: e.kind,
      detail: `node ${id}: fsync +${e.us} µs from now on`,
      nodes: [id],
      atMs,
      missed: ok ? [] : [`node ${id}: {"us":${e.us}}`],
    });
  }

  private async transferLeader(e: Extract<BenchEvent, { kind: "transfer-leader" }>, leader: number): Promise<void> {
    const atMs = this.nowMs() - this.openedAtMs;
    const r = await this.target.transferLeader(leader);
    const done = "leader" in r;
    this.done.push({
      event: formatEvent(e),
      kind: e.kind,
      detail: done
        ? `node ${leader} handed leadership to node ${r.leader} in ${r.ms.toFixed(1)} ms`
        : `node ${leader} did not hand over`,
      nodes: done ? [leader, r.leader] : [leader],
      atMs,
      missed: done ? [] : [`node ${leader}: ${r.refused}`],
    });
  }

  private async changeMembers(
    e: Extract<BenchEvent, { kind: "add-learner" | "remove-follower" }>,
    leader: number,
  ): Promise<void> {
    const atMs = this.nowMs() - this.openedAtMs;
    const follower = this.follower(leader);
    const r: { id?: number; ms: number } | { refused: string } =
      e.kind === "add-learner" ? await this.target.addLearner() : await this.target.removeMember(leader, follower);
    const done = "ms" in r;
    const node = e.kind === "add-learner" ? (done ? (r.id ?? null) : null) : follower;
    const committed = done ? `, committed in ${r.ms.toFixed(1)} ms` : "";
    this.done.push({
      event: formatEvent(e),
      kind: e.kind,
      detail:
        e.kind === "add-learner"
          ? done
            ? `node ${node} added as a learner${committed}`
            : "no node could be added as a learner"
          : done
            ? `node ${follower} removed${committed}`
            : `node ${follower} could not be removed`,
      nodes: node === null ? [] : [node],
      atMs,
      missed: "refused" in r ? [r.refused] : [],
    });
  }

  private resolve(node: EventNode, leader: number): number {
    return node === "leader" ? leader : node === "follower" ? this.follower(leader) : node;
  }

  /** The lowest-numbered running node that is not the leader (a killed one may not be back yet). */
  private follower(leader: number): number {
    const t = this.target;
    return t.ids.find((id) => id !== leader && t.isRunning(id)) ?? t.ids.find((id) => id !== leader) ?? leader;
  }

  /** The current leader; after LEADER_WAIT_MS without one, the lowest id stands in. */
  private async waitForLeader(): Promise<number> {
    const deadline = this.nowMs() + LEADER_WAIT_MS;
    while (!this.stopped && this.nowMs() < deadline) {
      const leader = await this.target.leader();
      if (leader !== null) return leader;
      await new Promise((r) => setTimeout(r, LEADER_POLL_MS));
    }
    return this.target.ids[0]!;
  }
}
