// The node driver: runs the pure Raft core's Readies through a store, a network and a state machine.
// It holds no IO of its own (callbacks only), so the deterministic simulator runs exactly this code
// and the networked node runs it on real disks and sockets. Two of the four flags are policies here:
//
//   batch        — proposals that arrive while a write+fsync is in flight wait and go in as one
//                  group (one propose, one write, one fsync); off: one proposal per Ready, and each
//                  Ready is its own write and fsync.
//   async-apply  — committed entries go to an apply loop (the `asyncApplier`), and replication goes on
//                  meanwhile; off: the same apply queue is drained inline before anything else.
// (`pipeline` and `parallel-append` are core config: the inflight window and where the leader's
// AppendEntries wait.)
//
// The combination can be switched while the node runs (`setFlags`), at a safe point: no write+fsync
// and no apply batch in flight, so the persist loop and the apply loop each run under one policy
// from start to end. From the request on, neither loop starts new work; the switch happens as soon
// as the work in flight is done, and both loops go on under the new flags.

import type { RaftConfig } from "../core/config.ts";
import type { Flags } from "../core/flags.ts";
import { type ConfChange, isConfEntry } from "../core/membership.ts";
import type { RawNode } from "../core/raw-node.ts";
import { type ConfState, type Entry, type Message, MessageType, type Ready, type Snapshot } from "../core/types.ts";
import type { RaftStore } from "../storage/store.ts";
import { type Applier, inlineApplier } from "./appliers.ts";
import {
  mostUpToDateFollower,
  type TransferFailure,
  type TransferOutcome,
  transferProgress,
} from "./leader-transfer.ts";
import type { MechanismCounters } from "./mechanism-counters.ts";
import { ProposalWaiters } from "./proposal-waiters.ts";
import type { StateMachine } from "./state-machine.ts";

export type { Applier } from "./appliers.ts";

/**
 * Crash-test points in the driver (see src/node/failpoints.ts). The `conf` ones fire only for a
 * write or an apply batch that holds a configuration entry.
 */
export type DriverFailpoint =
  | "after-fsync"
  | "before-apply"
  | "after-apply"
  | "before-conf-persist"
  | "after-conf-persist"
  | "before-conf-apply"
  | "after-conf-apply";

export type FailCode =
  /** Not the leader; nothing was proposed. */
  | "not_leader"
  /** Larger than the core's `maxEntryBytes`; nothing was proposed. */
  | "too_large"
  /** The leader is handing leadership over; nothing was proposed, retry shortly. */
  | "transferring"
  /** Certainly not committed: its log slot was taken by another leader's entry. */
  | "lost"
  /** Outcome unknown (e.g. a snapshot replaced the log past it, or the node stopped). */
  | "unknown";

/** A request that failed, with the leader this node knows of (0: none). */
export interface Failure {
  readonly ok: false;
  readonly code: FailCode;
  readonly leader: number;
}

/** A proposal's fate; `result` is what the state machine's `apply` returned for it. */
export type ProposalOutcome<R = unknown> = { readonly ok: true; readonly result: R } | Failure;

/**
 * A membership change's fate: applied here (so committed) at `index`; or refused by the leader,
 * `busy` (try again later) or `invalid` (never in this configuration), with `detail` saying why.
 */
export type MembershipOutcome =
  | { readonly ok: true; readonly index: number }
  | Failure
  | { readonly ok: false; readonly code: "busy" | "invalid"; readonly leader: number; readonly detail: string };

/** A linearizable read's fate; `value` is what its query returned from the state machine. */
export type ReadOutcome<T = unknown> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: "not_leader" | "unknown"; readonly leader: number };

/** Time points of one proposal through the pipeline, for the stage breakdown. */
export interface ProposalTimings {
  readonly queued: number;
  readonly proposed: number;
  readonly persisted: number;
  readonly committed: number;
  readonly applied: number;
}

export interface DriverOptions<R> {
  readonly core: RawNode;
  readonly store: RaftStore;
  /** The starting combination. */
  readonly flags: Flags;
  /** The core's config for a combination (the one the core was built with, for `flags`). */
  configFor(flags: Flags): RaftConfig;
  readonly stateMachine: StateMachine<R>;
  /** Sends messages to peers (through the network; Raft tolerates loss). */
  send(msgs: readonly Message[]): void;
  /** The apply loop used when `flags.asyncApply` is on. */
  readonly asyncApplier: Applier<R>;
  /** How entries are applied when `flags.asyncApply` is off (default: on this stack, at no extra cost). */
  readonly inlineApplier?: Applier<R>;
  /** Runs `fn` soon, after the current event (setImmediate on a real node; an event in the simulator). */
  schedule(fn: () => void): void;
  /** The configuration in force changed (an entry appended or truncated, or a snapshot installed). */
  onConf?(conf: ConfState): void;
  /** Called when the store fails to write: the node must stop (it can no longer promise durability). */
  onFatal(err: Error): void;
  /** Take a snapshot and compact the log after this many applied entries (0 = never). */
  readonly snapshotEvery?: number;
  /** A clock for stage timings (any monotonic unit); timings are recorded only when given. */
  now?(): number;
  /** Receives the stage timings of every proposal this node led to apply. */
  onTimings?(t: ProposalTimings): void;
  /** Counts what the optimizations do (entries per fsync, per AppendEntries, in flight, ...). */
  readonly counters?: MechanismCounters;
  /** Called at each crash-test point (only when a failpoint is armed). */
  readonly failpoint?: (name: DriverFailpoint) => void;
}

interface Waiter<R> {
  readonly term: number;
  readonly cb: (o: ProposalOutcome<R>) => void;
  readonly queued: number;
  readonly proposed: number;
  persisted: number;
  committed: number;
}

interface QueuedProposal<R> {
  readonly data: Uint8Array;
  readonly cb: (o: ProposalOutcome<R>) => void;
  readonly queued: number;
}

/** One Ready's share of work that must wait for durability, in Ready order. */
interface PersistJob {
  readonly seq: number;
  readonly ready: Ready;
}

type ApplyItem = { readonly entries: readonly Entry[] } | { readonly snapshot: Snapshot };

/** Drives one node; `R` is what its state machine's `apply` returns to proposers. */
export class RaftDriver<R = unknown> {
  private readonly core: RawNode;
  private readonly store: RaftStore;
  private readonly sm: StateMachine<R>;
  private readonly o: DriverOptions<R>;
  private flags: Flags;
  private applier: Applier<R>;
  /** Leadership transfers this node started, each waiting to see the target lead (or the transfer fail). */
  private transfers: { to: number; done: (o: TransferOutcome) => void }[] = [];
  /** A requested switch, waiting for the persist and apply loops to be idle. */
  private flagSwitch: { flags: Flags; done: ((inForce: Flags | null) => void)[] } | null = null;
  private readonly proposals: QueuedProposal<R>[] = [];
  private readonly waiters = new ProposalWaiters<Waiter<R>>();
  private readonly readWaiters = new Map<number, { query: () => unknown; cb: (o: ReadOutcome) => void }>();
  /** ReadStates confirmed by a quorum, waiting for the applied index to reach them. */
  private readonly readyReads: { index: number; ctx: number }[] = [];
  private readonly persistJobs: PersistJob[] = [];
  private readonly applyQueue: ApplyItem[] = [];
  private nextReadCtx = 1;
  private persisting = false;
  private applying = false;
  private pumpScheduled = false;
  private stopped = false;
  private isLeader = false;
  /** Term and vote as last handed to the store (made durable by the sync that follows). */
  private durableTerm: number;
  private durableVote: number;

  constructor(o: DriverOptions<R>) {
    this.o = o;
    this.core = o.core;
    this.store = o.store;
    this.sm = o.stateMachine;
    this.flags = o.flags;
    this.applier = this.applierFor(o.flags);
    const hs = o.store.initialState().hardState;
    this.durableTerm = hs.term;
    this.durableVote = hs.vote;
  }

  /** Proposes a command (an entry's payload); `cb` runs once it is applied (or certainly failed). */
  propose(data: Uint8Array, cb: (o: ProposalOutcome<R>) => void): void {
    if (this.stopped) return cb(this.fail("unknown"));
    if (!this.isLeader) return cb(this.fail("not_leader"));
    this.proposals.push({ data, cb, queued: this.now() });
    this.schedulePump();
  }

  /**
   * Proposes one membership change (RawNode.proposeConfChange); `cb` runs once its entry is applied
   * here, so committed, or at once if the leader refuses it.
   */
  changeMembers(change: ConfChange, cb: (o: MembershipOutcome) => void): void {
    if (this.stopped) return cb(this.fail("unknown"));
    const res = this.core.proposeConfChange(change);
    if (!res.ok) {
      const leader = this.core.status().leader;
      if (res.reason === "busy" || res.reason === "invalid")
        return cb({ ok: false, code: res.reason, leader, detail: res.detail });
      return cb(this.fail(res.reason));
    }
    const now = this.now();
    this.waiters.add(res.index, {
      term: res.term,
      cb: (o) => cb(o.ok ? { ok: true, index: res.index } : o),
      queued: now,
      proposed: now,
      persisted: 0,
      committed: 0,
    });
    this.schedulePump();
  }

  /**
   * A linearizable read (ReadIndex): once the read index is applied, `query` runs against the state
   * machine's state and `cb` gets its value.
   */
  read<T>(query: () => T, cb: (o: ReadOutcome<T>) => void): void {
    if (this.stopped) return cb({ ok: false, code: "unknown", leader: this.core.status().leader });
    const ctx = this.nextReadCtx++;
    if (!this.core.readIndex(ctx)) return cb({ ok: false, code: "not_leader", leader: this.core.status().leader });
    this.readWaiters.set(ctx, { query, cb: cb as (o: ReadOutcome) => void });
    this.schedulePump();
  }

  step(msgs: readonly Message[]): void {
    if (this.stopped) return;
    for (const m of msgs) this.core.step(m);
    this.schedulePump();
  }

  tick(): void {
    if (this.stopped) return;
    this.core.tick();
    this.schedulePump();
  }

  status() {
    return this.core.status();
  }

  /**
   * Hands leadership to voter `to` (null: the most up-to-date follower); `done` hears once `to` leads
   * or the transfer failed (the core abandons it after an election timeout).
   */
  transferLeader(to: number | null, done: (o: TransferOutcome) => void): void {
    const status = this.core.status();
    const fail = (code: TransferFailure, message: string): void =>
      done({ ok: false, code, leader: status.leader, message });
    if (this.stopped) return fail("stopped", "the node is stopping");
    if (status.role !== "leader") return fail("not_leader", `node ${status.id} is not the leader`);
    const target = to ?? mostUpToDateFollower(status);
    if (target === null) return fail("single_node", "a cluster of one node has nobody to hand leadership to");
    const started = this.core.transferLeader(target);
    if (started === "self") return fail("self", `node ${target} already leads`);
    if (started === "not_voter") return fail("not_voter", `node ${target} is not a voting member`);
    if (started === "not_leader") return fail("not_leader", `node ${status.id} is not the leader`);
    this.transfers.push({ to: target, done });
    this.schedulePump();
  }

  /** The combination in force. */
  currentFlags(): Flags {
    return this.flags;
  }

  /**
   * Switches to `flags` at the next safe point (at once when nothing is in flight); `done` gets the
   * combination then in force, or null if the driver stopped first. A later request before the
   * switch replaces the earlier one, and both are told the combination that took effect.
   */
  setFlags(flags: Flags, done: (inForce: Flags | null) => void): void {
    if (this.stopped) return done(null);
    if (this.flagSwitch) {
      this.flagSwitch.flags = flags;
      this.flagSwitch.done.push(done);
    } else {
      this.flagSwitch = { flags, done: [done] };
    }
    this.maybeSwitchFlags();
  }

  private maybeSwitchFlags(): void {
    const sw = this.flagSwitch;
    if (sw === null || this.persisting || this.applying || this.stopped) return;
    this.flagSwitch = null;
    this.core.reconfigure(this.o.configFor(sw.flags));
    this.flags = sw.flags;
    this.applier = this.applierFor(sw.flags);
    for (const done of sw.done) done(sw.flags);
    this.startPersist();
    this.runApply();
    this.schedulePump();
  }

  private applierFor(flags: Flags): Applier<R> {
    return flags.asyncApply ? this.o.asyncApplier : (this.o.inlineApplier ?? inlineApplier(this.o.stateMachine));
  }

  /** Stops processing; every pending request gets `unknown` (its outcome is not known here). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.proposals.splice(0)) p.cb(this.fail("unknown"));
    this.waiters.takeAll((w) => w.cb(this.fail("unknown")));
    for (const r of this.readWaiters.values()) r.cb({ ok: false, code: "unknown", leader: 0 });
    this.readWaiters.clear();
    const sw = this.flagSwitch;
    this.flagSwitch = null;
    for (const done of sw?.done ?? []) done(null);
    for (const t of this.transfers.splice(0)) {
      t.done({ ok: false, code: "stopped", leader: 0, message: "the node is stopping" });
    }
  }

  private now(): number {
    return this.o.now ? this.o.now() : 0;
  }

  private fail(code: FailCode): Failure {
    return { ok: false, code, leader: this.core.status().leader };
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    this.o.schedule(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    this.feedProposals();
    this.drainReadies();
    if (this.transfers.length > 0) this.settleTransfers();
  }

  private settleTransfers(): void {
    const status = this.core.status();
    this.transfers = this.transfers.filter((t) => {
      const outcome = transferProgress(status, t.to);
      if (outcome) t.done(outcome);
      return outcome === null;
    });
  }

  /**
   * Batch on: everything queued goes in as one group, but only while no write is in flight (group
   * commit). Batch off: each proposal becomes its own Ready, hence its own write, fsync and append.
   *
   * Measured surprise: holding proposals while the leader's write is in flight beats proposing them
   * at once and letting the persist loop merge the Readies (3 nodes, all flags, 128 connections:
   * 9.4k–10.1k vs 7.0k–7.3k ops/s, same run): the held group leaves as one large AppendEntries per
   * follower, instead of a stream of small ones that each cost the followers a Ready and an fsync.
   */
  private feedProposals(): void {
    if (this.proposals.length === 0) return;
    if (!this.isLeader) {
      for (const p of this.proposals.splice(0)) p.cb(this.fail("not_leader"));
      return;
    }
    if (this.flags.batch) {
      if (this.persisting) return;
      this.o.counters?.proposalQueue.observe(this.proposals.length);
      this.proposeGroup(this.proposals.splice(0));
    } else {
      this.o.counters?.proposalQueue.observe(this.proposals.length);
      for (const p of this.proposals.splice(0)) {
        this.proposeGroup([p]);
        this.drainReadies();
      }
    }
  }

  private proposeGroup(group: QueuedProposal<R>[]): void {
    const res = this.core.propose(group.map((p) => p.data));
    if (!res.ok) {
      for (const p of group) p.cb(this.fail(res.reason));
      return;
    }
    const proposed = this.now();
    group.forEach((p, i) => {
      this.waiters.add(res.index + i, {
        term: res.term,
        cb: p.cb,
        queued: p.queued,
        proposed,
        persisted: 0,
        committed: 0,
      });
    });
  }

  private drainReadies(): void {
    while (!this.stopped && this.core.hasReady()) {
      const rd = this.core.ready();
      this.core.advance(rd);
      this.handleReady(rd);
    }
  }

  private handleReady(rd: Ready): void {
    if (rd.softState) this.onRoleChange(rd.softState.role === "leader");
    if (rd.conf) this.o.onConf?.(rd.conf);
    if (this.o.counters) this.countAppends(rd, this.o.counters);
    if (rd.snapshot || rd.entries.length > 0 || rd.hardState || rd.persistedMessages.length > 0) {
      this.persistJobs.push({ seq: rd.seq, ready: rd });
      this.startPersist();
    }
    if (rd.snapshot) this.enqueueApply({ snapshot: rd.snapshot });
    if (rd.committedEntries.length > 0) {
      this.markCommitted(rd.committedEntries);
      this.enqueueApply({ entries: rd.committedEntries });
    }
    // Sends only queue: the transport flushes once per event-loop turn. Queued after the apply, an
    // asynchronous apply's turn comes before that flush, so proposers hear back before the
    // followers hear of the commit (3 nodes, `all`, one connection: p50 −12 % in an A/B run).
    if (rd.messages.length > 0) this.o.send(rd.messages);
    for (const rs of rd.readStates) this.readyReads.push({ index: rs.index, ctx: rs.ctx });
    this.serveReads();
  }

  /** Entries per AppendEntries and the window after each, counted as the Ready hands them out. */
  private countAppends(rd: Ready, c: MechanismCounters): void {
    for (const w of rd.appendWindows) c.appendInflight.observe(w);
    for (const msgs of [rd.messages, rd.persistedMessages]) {
      for (const m of msgs)
        if (m.type === MessageType.App && m.entries.length > 0) c.appendEntries.observe(m.entries.length);
    }
  }

  private onRoleChange(leader: boolean): void {
    if (this.isLeader && !leader) {
      // Reads not yet confirmed by a quorum can no longer be: the caller retries on the new leader.
      const confirmed = new Set(this.readyReads.map((r) => r.ctx));
      for (const [ctx, r] of this.readWaiters) {
        if (confirmed.has(ctx)) continue;
        this.readWaiters.delete(ctx);
        r.cb({ ok: false, code: "not_leader", leader: this.core.status().leader });
      }
    }
    this.isLeader = leader;
  }

  /**
   * The persist loop. Jobs are written strictly in Ready order; while one fsync is in flight the next
   * jobs wait, and then (batch on) all of them share one write and one fsync.
   */
  private startPersist(): void {
    if (this.persisting || this.flagSwitch || this.persistJobs.length === 0 || this.stopped) return;
    const jobs = this.flags.batch ? this.persistJobs.splice(0) : this.persistJobs.splice(0, 1);
    // Whether the write holds a configuration entry (in force already, since its Ready); looked for
    // only when a failpoint is armed.
    const conf = this.o.failpoint !== undefined && jobs.some(({ ready }) => ready.entries.some(isConfEntry));
    if (conf) this.o.failpoint?.("before-conf-persist");
    let mustSync = false;
    let entries = 0;
    let bytes = 0;
    for (const { ready } of jobs) {
      const hs = ready.hardState;
      if (ready.snapshot) this.store.applySnapshot(ready.snapshot);
      if (ready.entries.length > 0) this.store.append(ready.entries);
      entries += ready.entries.length;
      if (this.o.counters) for (const e of ready.entries) bytes += e.data.length;
      if (hs) this.store.setHardState(hs);
      // Raft needs term and vote durable, not the commit index (a restarted node relearns it), so a
      // commit-only change rides along with the next sync instead of costing an fsync of its own.
      const termOrVote = hs !== null && (hs.term !== this.durableTerm || hs.vote !== this.durableVote);
      mustSync ||= ready.snapshot !== null || ready.entries.length > 0 || termOrVote;
      if (hs) {
        this.durableTerm = hs.term;
        this.durableVote = hs.vote;
      }
    }
    const finish = (): void => {
      this.persisting = false;
      if (this.stopped) return;
      this.core.onPersisted(jobs[jobs.length - 1]!.seq);
      this.markPersisted(jobs);
      for (const { ready } of jobs) if (ready.persistedMessages.length > 0) this.o.send(ready.persistedMessages);
      this.maybeSwitchFlags();
      this.startPersist();
      this.schedulePump();
    };
    if (!mustSync) return finish();
    const c = this.o.counters;
    if (c && entries > 0) {
      (this.isLeader ? c.leaderWriteEntries : c.followerWriteEntries).observe(entries);
      c.writeBytes.observe(bytes);
    }
    this.persisting = true;
    this.store.sync((err) => {
      if (err) {
        this.stop();
        this.o.onFatal(err);
        return;
      }
      this.o.failpoint?.("after-fsync");
      if (conf) this.o.failpoint?.("after-conf-persist");
      finish();
    });
  }

  private markPersisted(jobs: readonly PersistJob[]): void {
    if (!this.o.onTimings) return;
    const t = this.now();
    for (const { ready } of jobs) {
      for (const e of ready.entries) {
        const w = this.waiters.find(e.index, e.term);
        if (w && w.persisted === 0) w.persisted = t;
      }
    }
  }

  private markCommitted(entries: readonly Entry[]): void {
    if (!this.o.onTimings) return;
    const t = this.now();
    for (const e of entries) {
      const w = this.waiters.find(e.index, e.term);
      if (w) w.committed = t;
    }
  }

  private enqueueApply(item: ApplyItem): void {
    this.applyQueue.push(item);
    this.runApply();
  }

  /** The apply loop: one batch at a time, in log order. Inline (async-apply off) it completes on this stack. */
  private runApply(): void {
    while (!this.applying && !this.flagSwitch && this.applyQueue.length > 0 && !this.stopped) {
      const item = this.applyQueue.shift()!;
      if ("snapshot" in item) {
        this.restoreSnapshot(item.snapshot);
        continue;
      }
      this.applying = true;
      this.o.counters?.applyBatch.observe(item.entries.length);
      this.o.failpoint?.("before-apply");
      const conf = this.o.failpoint !== undefined && item.entries.some(isConfEntry);
      if (conf) this.o.failpoint?.("before-conf-apply");
      // The applier and the policy of the batch it runs, as they were when it started.
      const async = this.flags.asyncApply;
      this.applier.apply(item.entries, (results) => {
        this.applying = false;
        if (this.stopped) return;
        this.o.failpoint?.("after-apply");
        if (conf) this.o.failpoint?.("after-conf-apply");
        this.finishApply(item.entries, results, async);
        this.maybeSwitchFlags();
        if (async) this.runApply();
      });
    }
  }

  private restoreSnapshot(snap: Snapshot): void {
    this.sm.restore(snap.data, snap.meta.index);
    // Proposals the snapshot jumped over may or may not be in it.
    this.waiters.takeUpTo(snap.meta.index, (w) => w.cb(this.fail("unknown")));
    this.core.onApplied(snap.meta.index);
    this.serveReads();
  }

  private finishApply(entries: readonly Entry[], results: readonly R[], async: boolean): void {
    const applied = this.now();
    entries.forEach((e, i) => {
      this.waiters.take(e.index, (w) => {
        // Another term's entry took this index: that proposal can never commit.
        if (e.term !== w.term) return w.cb(this.fail("lost"));
        if (this.o.onTimings) {
          this.o.onTimings({
            queued: w.queued,
            proposed: w.proposed,
            persisted: w.persisted,
            committed: w.committed,
            applied,
          });
        }
        w.cb({ ok: true, result: results[i]! });
      });
    });
    const last = entries[entries.length - 1]!.index;
    this.core.onApplied(last);
    this.serveReads();
    this.maybeCompact();
    if (async) this.schedulePump();
  }

  private serveReads(): void {
    if (this.readyReads.length === 0) return;
    const applied = this.sm.appliedIndex;
    let kept = 0;
    for (const r of this.readyReads) {
      if (r.index > applied) {
        this.readyReads[kept++] = r;
        continue;
      }
      const w = this.readWaiters.get(r.ctx);
      if (!w) continue;
      this.readWaiters.delete(r.ctx);
      w.cb({ ok: true, value: w.query() });
    }
    this.readyReads.length = kept;
  }

  /** Snapshots the state machine and drops the log it covers, once enough has been applied and is durable. */
  private maybeCompact(): void {
    const every = this.o.snapshotEvery ?? 0;
    const applied = this.sm.appliedIndex;
    // The store's snapshot may be newer than `applied`: a leader's snapshot can be installed while an
    // asynchronous apply of older entries is still running.
    if (every <= 0 || applied - this.store.snapshot().meta.index < every) return;
    // The snapshot describes exactly `applied`, so that entry must already be in the stable log.
    if (applied > this.store.lastIndex() || applied > this.core.status().stableIndex) return;
    // A node that joined knows no configuration before the entry that added it: it waits for that.
    const conf = this.core.confAt(applied);
    if (conf.voters.length === 0) return;
    this.store.compact({ meta: { index: applied, term: this.store.term(applied), conf }, data: this.sm.snapshot() });
  }
}
