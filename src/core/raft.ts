// The Raft protocol as a state machine (Raft §5, thesis §4.1, §6.4, §9.6, §10.2.1; modelled on
// etcd-io/raft raft.go). Inputs are tick(), step(), propose() and readIndex(); outputs accumulate in
// `msgs` (send now), `msgsAfterPersist` (send once the current unstable state is durable) and
// `readStates`, which RawNode turns into Readies.

import type { RaftConfig } from "./config.ts";
import { LeaderLease } from "./lease.ts";
import type { LogReader } from "./log-reader.ts";
import {
  applyConfChange,
  type ConfChange,
  checkConfChange,
  confEntry,
  confMembers,
  initialConf,
  isVoter,
} from "./membership.ts";
import { makeMessage } from "./message.ts";
import { isWellFormed } from "./message-check.ts";
import { Progress } from "./progress.ts";
import { isMajority, majorityIndex, voteResult } from "./quorum.ts";
import { payloadBytes, RaftLog } from "./raft-log.ts";
import { ReadOnly } from "./read-only.ts";
import { type Rng, seededRng } from "./rng.ts";
import type { FollowerStatus, RaftStatus } from "./status.ts";
import {
  CAMPAIGN_TRANSFER,
  type ConfChangeResult,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  type ProposeResult,
  type ReadState,
  type Role,
  type SoftState,
  type TransferStart,
} from "./types.ts";

const EMPTY = new Uint8Array(0);

type OutgoingFields = Partial<Message> & Pick<Message, "type" | "to">;

export class Raft {
  readonly id: NodeId;
  term: number;
  vote: NodeId;
  lead: NodeId = NONE;
  role: Role = "follower";
  /** Leader: the voter it is handing leadership to (thesis §3.10), or NONE. Proposals wait meanwhile. */
  leadTransferee: NodeId = NONE;
  readonly log: RaftLog;

  /** Messages to send at once. */
  msgs: Message[] = [];
  /**
   * Messages that acknowledge (or, with parallelAppend off, carry) state that is not durable yet:
   * the shell sends them only after the Ready they travel in has been persisted.
   */
  msgsAfterPersist: Message[] = [];
  /** Messages to this node itself that count only once durable (a candidate's own vote). */
  stepsAfterPersist: Message[] = [];
  readStates: ReadState[] = [];
  /** Per AppendEntries carrying entries since the last Ready: the follower's in-flight count after it. */
  appendWindows: number[] = [];

  private readonly rng: Rng;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private readonly readOnly = new ReadOnly();
  private lease: LeaderLease;
  /** The shell's monotonic clock in ms (lease reads only). */
  private readonly now: () => number;
  /**
   * With lease reads, a node that (re)starts honours a lease it may have granted before: it ignores
   * candidates for its first election timeout, as if it had just heard from a leader.
   */
  private honourUnknownLease: boolean;
  /** ReadIndex requests waiting until the leader has committed an entry of its term. */
  private readsAwaitingCommit: number[] = [];
  /** Leader: the configuration entry whose commit was last acted on (settleConf). */
  private settledConfIndex = 0;

  /** The config in force: fixed but for the replication policy (setPolicy). */
  private config: RaftConfig;

  constructor(cfg: RaftConfig, reader: LogReader, now: () => number = () => 0) {
    this.config = cfg;
    this.now = now;
    this.lease = new LeaderLease(cfg.leaseMs);

    this.id = cfg.id;
    this.rng = seededRng(cfg.seed);
    this.log = new RaftLog(reader, initialConf(cfg.voters));
    const hs = reader.initialState().hardState;
    // A node of term 0 never heard from a leader: there is no lease it could have granted.
    this.honourUnknownLease = cfg.readOnly === "lease" && hs.term > 0;
    this.term = hs.term;
    this.vote = hs.vote;
    this.becomeFollower(this.term, NONE);
  }

  // --- state views ---

  get cfg(): RaftConfig {
    return this.config;
  }

  /** The configuration in force: the latest in the log, committed or not (thesis §4.1). */
  get conf(): ConfState {
    return this.log.confs.latest();
  }

  private get voters(): readonly NodeId[] {
    return this.log.confs.latest().voters;
  }

  /** Only a voter of the configuration in force campaigns (a learner or a removed node never does). */
  private promotable(): boolean {
    return isVoter(this.conf, this.id);
  }

  softState(): SoftState {
    return { role: this.role, leader: this.lead };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  status(): RaftStatus {
    let progress: Record<NodeId, FollowerStatus> | null = null;
    if (this.role === "leader") {
      progress = {};
      for (const [id, pr] of this.progress) {
        progress[id] = { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflights.count };
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.lead,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      stableIndex: this.log.stableIndex(),
      leadTransferee: this.leadTransferee,
      conf: this.conf,
      confIndex: this.log.confs.latestIndex(),
      progress,
    };
  }

  // --- local inputs ---

  /**
   * Switches the replication policy (RawNode.reconfigure checked that nothing else changes). Each
   * follower's window takes the new bounds with what it has in flight; a leader then sends what a
   * wider window allows at once.
   */
  setPolicy(cfg: RaftConfig): void {
    this.config = cfg;
    for (const pr of this.progress.values()) pr.setWindow(cfg.maxInflight, cfg.maxInflightBytes);
    if (this.role === "leader") this.bcastAppend();
  }

  tick(): void {
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  propose(data: readonly Uint8Array[]): ProposeResult {
    if (this.role !== "leader") return { ok: false, reason: "not_leader" };
    // Entries appended now could leave the target behind the log it must hold to be elected.
    if (this.leadTransferee !== NONE) return { ok: false, reason: "transferring" };
    if (data.length === 0) throw new RangeError("propose: no entries");
    for (const d of data) if (d.length > this.cfg.maxEntryBytes) return { ok: false, reason: "too_large" };
    const first = this.appendEntries(data);
    this.bcastAppend();
    return { ok: true, index: first, term: this.term };
  }

  /**
   * Leadership transfer (thesis §3.10, etcd's MsgTransferLeader): stop taking proposals, bring `to`
   * up to date, then tell it to campaign at once (TimeoutNow). Aborted if it has not taken over
   * within an election timeout; a new request replaces one under way.
   */
  transferLeader(to: NodeId): TransferStart {
    if (this.role !== "leader") return "not_leader";
    if (to === this.id) return "self";
    if (!this.voters.includes(to)) return "not_voter";
    if (this.leadTransferee === to) return "started";
    this.leadTransferee = to;
    this.lease.revoke();
    // The transfer must finish within one election timeout, counted from now (tickHeartbeat).
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: MessageType.TimeoutNow, to });
    else this.sendAppends(to);
    return "started";
  }

  /**
   * Appends a configuration entry for one single-server change (thesis §4.1), in force at once. The
   * leader refuses while an earlier change is uncommitted, and until it has committed an entry of
   * its own term: a new leader may hold an uncommitted change of an earlier leader that a third
   * leader's change could otherwise overlap (the raft-dev bug of 2015, thesis §4.1 errata).
   */
  proposeConfChange(change: ConfChange): ConfChangeResult {
    if (this.role !== "leader") return { ok: false, reason: "not_leader" };
    if (this.leadTransferee !== NONE)
      return { ok: false, reason: "busy", detail: "a leadership transfer is under way" };
    if (!this.committedCurrentTerm()) {
      return { ok: false, reason: "busy", detail: "the leader has not committed an entry of its term yet" };
    }
    const pending = this.log.confs.latestIndex();
    if (pending > this.log.committed) {
      return { ok: false, reason: "busy", detail: `the configuration change at index ${pending} is not committed yet` };
    }
    const conf = this.conf;
    const invalid = checkConfChange(conf, change);
    if (invalid !== null) return { ok: false, reason: "invalid", detail: invalid };
    if (change.op === "promote") {
      const behind = this.learnerBehind(change.id);
      if (behind !== null) return { ok: false, reason: "busy", detail: behind };
    }
    const next = applyConfChange(conf, change);
    const index = this.log.lastIndex() + 1;
    this.log.append([confEntry(index, this.term, next)]);
    for (const id of confMembers(next)) {
      if (this.progress.has(id)) continue;
      const pr = this.newProgress();
      // It has had no chance to answer yet: CheckQuorum gives it one election timeout (as etcd does).
      pr.recentActive = true;
      this.progress.set(id, pr);
    }
    // A removed member keeps its progress until the change commits (settleConf): it still gets the
    // entry that removes it, and learns from it to stop campaigning.
    // The lease is earned again by rounds a majority of the new configuration echoes.
    this.lease = new LeaderLease(this.cfg.leaseMs);
    this.bcastAppend();
    return { ok: true, index, term: this.term };
  }

  /**
   * Why learner `id` is not caught up, or null if it is: replicating, and lacking no more than one
   * pipelining window carries (maxInflight appends of maxBatchEntries), so that as a voter it does
   * not hold up commits while it catches up (thesis §4.2.1).
   */
  private learnerBehind(id: NodeId): string | null {
    const pr = this.progress.get(id);
    const window = this.cfg.maxInflight * this.cfg.maxBatchEntries;
    if (pr !== undefined && pr.state === "replicate" && this.log.lastIndex() - pr.match <= window) return null;
    const match = pr?.match ?? 0;
    return `learner ${id} is catching up (it has ${match} of ${this.log.lastIndex()} entries); promote it once it is caught up`;
  }

  readIndex(ctx: number): boolean {
    if (this.role !== "leader") return false;
    // Thesis §6.4: until an entry of its term is committed, the leader may not know the latest commit.
    if (!this.committedCurrentTerm()) this.readsAwaitingCommit.push(ctx);
    else this.serveRead(ctx);
    return true;
  }

  /** Everything written by Readies up to `seq` is durable; `selfSteps` are the votes that waited for it. */
  onPersisted(seq: number, selfSteps: readonly Message[]): void {
    this.log.persisted(seq);
    for (const m of selfSteps) {
      if (this.role === "candidate" && m.term === this.term) this.handleVoteResponse(m);
    }
    if (this.role === "leader") {
      // Thesis §10.2.1: the leader may send entries to followers before writing them itself (and may
      // commit them once a majority of *followers* has them), but it counts its own log in the quorum
      // only for what is durable on its own disk. This is the one place its match index moves.
      if (this.progress.get(this.id)!.maybeUpdate(this.log.stableIndex()) && this.maybeCommit()) {
        this.onCommitAdvanced();
      }
    }
  }

  // --- messages from peers ---

  step(m: Message): void {
    if (!isWellFormed(m, this.id)) return;
    if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        // Leader lease (thesis §4.2.3, etcd): having heard from a leader within the election timeout,
        // ignore candidates entirely, neither granting nor adopting their term; unless the leader
        // itself sent the candidate (a transfer), which it says in the vote's ctx.
        const inLease =
          this.cfg.checkQuorum &&
          (this.lead !== NONE || this.honourUnknownLease) &&
          this.electionElapsed < this.cfg.electionTicks;
        const transfer = m.type === MessageType.Vote && m.ctx === CAMPAIGN_TRANSFER;
        if (inLease && !transfer) return;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes the receiver's term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the term we asked for; we adopt it only if we win.
      } else {
        const fromLeader =
          m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      this.respondToStale(m);
      return;
    }

    switch (m.type) {
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        if (this.role === "leader") this.stepLeader(m);
        else if (this.role === "follower") this.stepFollower(m);
        else this.stepCandidate(m);
    }
  }

  private respondToStale(m: Message): void {
    if (
      (this.cfg.checkQuorum || this.cfg.preVote) &&
      (m.type === MessageType.App || m.type === MessageType.Heartbeat)
    ) {
      // A leader of an older term is still sending. With checkQuorum or preVote our higher term may
      // never reach it through votes (they are ignored), so tell it directly: it steps down.
      this.send({ type: MessageType.AppResp, to: m.from });
    } else if (m.type === MessageType.PreVote) {
      // Rejecting (rather than ignoring) keeps a pre-candidate with a lower term from waiting forever.
      this.send({ type: MessageType.PreVoteResp, to: m.from, reject: true });
    }
  }

  private handleVoteRequest(m: Message): void {
    const pre = m.type === MessageType.PreVote;
    const respType = pre ? MessageType.PreVoteResp : MessageType.VoteResp;
    const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (pre && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      const grant = this.message({ type: respType, to: m.from, term: m.term });
      if (pre) {
        this.msgs.push(grant);
      } else {
        this.electionElapsed = 0;
        this.vote = m.from;
        this.msgsAfterPersist.push(grant);
      }
    } else {
      const rej = this.message({ type: respType, to: m.from, reject: true });
      if (pre) this.msgs.push(rej);
      else this.msgsAfterPersist.push(rej);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleFromLeader(m);
        return;
      case MessageType.TimeoutNow:
        // The leader hands over: campaign now, skipping pre-vote (it knows we can win).
        this.campaign("transfer");
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        // A leader exists for our term (or a newer one; step() already adopted it).
        this.becomeFollower(m.term, m.from);
        this.handleFromLeader(m);
        return;
      case MessageType.PreVoteResp:
        // A grant echoes the term we asked for (ours + 1); a rejection carries the voter's term.
        if (this.role === "precandidate" && m.term === (m.reject ? this.term : this.term + 1)) {
          this.handleVoteResponse(m);
        }
        return;
      case MessageType.VoteResp:
        if (this.role === "candidate") this.handleVoteResponse(m);
        return;
      default:
        return;
    }
  }

  private handleVoteResponse(m: Message): void {
    if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
    const res = voteResult(this.voters, this.votes);
    if (res === "won") {
      if (this.role === "precandidate") {
        this.campaign("election");
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (res === "lost") {
      this.becomeFollower(this.term, NONE);
    }
  }

  private handleFromLeader(m: Message): void {
    if (m.type === MessageType.App) this.handleAppendEntries(m);
    else if (m.type === MessageType.Heartbeat) this.handleHeartbeat(m);
    else this.handleSnapshot(m);
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      this.ack({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
      return;
    }
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (last !== undefined) {
      this.ack({ type: MessageType.AppResp, to: m.from, index: last });
      return;
    }
    // Fast backtracking: point the leader at the last entry that could still match its log.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.ack({
      type: MessageType.AppResp,
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      hintTerm: hint.term,
    });
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(its commit, our match), so everything up to it is in our log.
    this.log.commitTo(m.commit);
    // Echo the ReadIndex round (ctx) and the lease round (index).
    this.send({ type: MessageType.HeartbeatResp, to: m.from, ctx: m.ctx, index: m.index });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    if (s.meta.index <= this.log.committed) {
      this.ack({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
    } else if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already have the entries it covers: only the commit index moves.
      this.log.commitTo(s.meta.index);
      this.ack({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
    } else {
      this.log.restore(s);
      this.ack({ type: MessageType.AppResp, to: m.from, index: s.meta.index });
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    if (m.type === MessageType.AppResp) this.handleAppendResponse(m, pr);
    else if (m.type === MessageType.HeartbeatResp) this.handleHeartbeatResponse(m, pr);
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.index > this.log.lastIndex()) return;
    if (m.reject) {
      let next = m.rejectHint;
      if (m.hintTerm > 0) next = this.log.findConflictByTerm(Math.min(m.rejectHint, m.index), m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppends(m.from);
      }
      return;
    }
    if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === "probe")) {
      if (pr.state === "probe") {
        pr.becomeReplicate();
      } else if (pr.state === "snapshot") {
        if (pr.match + 1 >= this.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      } else {
        pr.inflights.freeLE(m.index);
      }
      if (this.maybeCommit()) this.onCommitAdvanced();
      // Unless that commit settled a change that removed `m.from`, or this leader (settleConf).
      if (this.progress.get(m.from) === pr) {
        this.sendAppends(m.from);
        if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
          this.send({ type: MessageType.TimeoutNow, to: m.from });
        }
      }
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    const last = this.log.lastIndex();
    if (pr.state === "replicate" && pr.match < last && !pr.shouldSendAppend(last, this.log.committed)) {
      // The follower is behind, yet flow control would send nothing: the appends in flight (a full
      // window, or every entry already sent) may have been lost, e.g. to a restart of the follower.
      // An empty append at `next` is acknowledged (the follower has everything) or rejected (it
      // does not, and the leader falls back to probing); either answer unblocks replication.
      this.maybeSendAppend(m.from, true);
    } else {
      this.sendAppends(m.from);
    }
    if (m.ctx > 0) {
      for (const rs of this.readOnly.recvAck(m.from, m.ctx, this.id, this.voters)) this.readStates.push(rs);
    }
    if (m.index > 0) this.lease.ack(m.from, m.index, this.id, this.voters);
  }

  // --- leader: replication ---

  /** Sends as many appends to `to` as its progress state and window allow. */
  private sendAppends(to: NodeId): void {
    while (this.maybeSendAppend(to, false));
  }

  /** To every member but this node (and to members removed by a change not yet committed). */
  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppends(id);
  }

  /**
   * Sends one AppendEntries (or an InstallSnapshot if the entries it needs are compacted). `force`
   * sends even when flow control would wait (an empty append when the window is full).
   */
  private maybeSendAppend(to: NodeId, force: boolean): boolean {
    const pr = this.progress.get(to)!;
    if (pr.state === "snapshot") return false;
    if (!force && !pr.shouldSendAppend(this.log.lastIndex(), this.log.committed)) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    let ents: Entry[] = [];
    if (pr.canSendEntries()) {
      const got = this.log.entriesFrom(pr.next, this.cfg.maxBatchEntries, this.cfg.maxBatchBytes);
      if (got === null) return this.sendSnapshot(to, pr);
      ents = got;
    }
    const commit = this.log.committed;
    const m = this.message({ type: MessageType.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit });
    const last = ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex;
    // parallelAppend is only this choice: may entries leave before the leader's own write is durable?
    if (!this.cfg.parallelAppend && last > this.log.stableIndex()) this.msgsAfterPersist.push(m);
    else this.msgs.push(m);
    pr.sentAppend(ents.length, payloadBytes(ents), commit);
    // A probe sends one append at a time, so its window holds that one.
    if (ents.length > 0) this.appendWindows.push(pr.state === "replicate" ? pr.inflights.count : 1);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snap = this.log.snapshot();
    if (snap.meta.index === 0) return false;
    pr.becomeSnapshot(snap.meta.index);
    this.send({ type: MessageType.Snap, to, snapshot: snap });
    return true;
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.currentRound();
    const index = this.cfg.readOnly === "lease" ? this.lease.send(this.now()) : 0;
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      this.send({ type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed), ctx, index });
    }
  }

  /** Appends entries of the current term; returns the first one's index. */
  private appendEntries(data: readonly Uint8Array[]): number {
    const first = this.log.lastIndex() + 1;
    const ents: Entry[] = data.map((d, i) => ({ index: first + i, term: this.term, data: d }));
    this.log.append(ents);
    return first;
  }

  /**
   * Raft §5.3/§5.4.2: commit the highest index on a majority of the voters in force, if it is of the
   * current term. Learners never count; a leader that removed itself counts only the others.
   */
  private maybeCommit(): boolean {
    const matches = this.voters.map((v) => this.progress.get(v)!.match);
    return this.log.maybeCommit(majorityIndex(matches), this.term);
  }

  private onCommitAdvanced(): void {
    if (this.readsAwaitingCommit.length > 0 && this.committedCurrentTerm()) {
      const ctxs = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const ctx of ctxs) this.serveRead(ctx);
    }
    this.bcastAppend();
    this.settleConf();
  }

  /**
   * Once the latest configuration entry is committed: members it removed stop getting appends (the
   * one just sent carried the commit), and a leader it removed steps down (etcd-io/raft's
   * stepDownOnRemoval); the remaining voters elect a leader among themselves.
   */
  private settleConf(): void {
    const index = this.log.confs.latestIndex();
    if (index <= this.settledConfIndex || this.log.committed < index) return;
    this.settledConfIndex = index;
    const conf = this.conf;
    for (const id of [...this.progress.keys()]) {
      if (id !== this.id && !confMembers(conf).includes(id)) this.progress.delete(id);
    }
    if (!isVoter(conf, this.id)) this.becomeFollower(this.term, NONE);
  }

  private committedCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private serveRead(ctx: number): void {
    const index = this.log.committed;
    const alone = this.voters.length === 1 && this.voters[0] === this.id;
    if (alone || (this.cfg.readOnly === "lease" && this.lease.valid(this.now()))) {
      // Alone, the leader is the majority. Within its lease no other leader can have been elected
      // (src/core/lease.ts); outside it, the read takes a heartbeat round as a safe one does.
      this.readStates.push({ ctx, index });
      return;
    }
    this.readOnly.add(ctx, index);
    this.bcastHeartbeat();
  }

  // --- timers ---

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) this.honourUnknownLease = false;
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.promotable()) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? "pre-election" : "election");
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      // A transfer not done within an election timeout is abandoned: proposals resume.
      this.leadTransferee = NONE;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      for (const [id, pr] of this.progress) {
        if (id === this.id) continue;
        pr.recentActive = false;
        // An InstallSnapshot unanswered for a whole election timeout was probably lost: retry.
        if (pr.state === "snapshot") {
          if (pr.snapshotStale) pr.becomeProbe();
          else pr.snapshotStale = true;
        }
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.voters) if (v === this.id || this.progress.get(v)!.recentActive) active++;
    return isMajority(active, this.voters.length);
  }

  // --- role changes ---

  /** `transfer`: an election on the leader's TimeoutNow, whose votes carry CAMPAIGN_TRANSFER. */
  private campaign(kind: "pre-election" | "election" | "transfer"): void {
    if (!this.promotable()) return;
    let term: number;
    let type: MessageType;
    if (kind === "pre-election") {
      this.becomePreCandidate();
      // Pre-votes ask for the next term without adopting it (thesis §9.6).
      term = this.term + 1;
      type = MessageType.PreVote;
      this.votes.set(this.id, true);
      if (voteResult(this.voters, this.votes) === "won") {
        this.campaign("election");
        return;
      }
    } else {
      this.becomeCandidate();
      term = this.term;
      type = MessageType.Vote;
      // Our own vote counts only once term and vote are durable: it comes back through onPersisted.
      this.stepsAfterPersist.push(this.message({ type: MessageType.VoteResp, to: this.id, from: this.id }));
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    const ctx = kind === "transfer" ? CAMPAIGN_TRANSFER : 0;
    for (const v of this.voters) {
      if (v !== this.id) this.send({ type, to: v, term, index, logTerm, ctx });
    }
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.leadTransferee = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.rng.int(this.cfg.electionTicks, 2 * this.cfg.electionTicks);
    this.votes.clear();
    this.progress = new Map();
    // Every member, and this node (its own match is tracked even when it is not a member).
    for (const id of new Set([...confMembers(this.conf), this.id])) {
      const pr = this.newProgress();
      if (id === this.id) pr.match = this.log.stableIndex();
      this.progress.set(id, pr);
    }
    this.settledConfIndex = 0;
    this.readOnly.reset();
    // Each leadership starts without a lease: it is earned by heartbeat rounds of its own.
    this.lease = new LeaderLease(this.cfg.leaseMs);
    this.readsAwaitingCommit = [];
  }

  /** A follower's progress as a leader starts it: probing from the end of the leader's log. */
  private newProgress(): Progress {
    return new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight, this.cfg.maxInflightBytes);
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
  }

  private becomePreCandidate(): void {
    this.votes.clear();
    this.lead = NONE;
    this.role = "precandidate";
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    this.progress.get(this.id)!.becomeReplicate();
    // The no-op of the new term: committing it commits every earlier entry (§5.4.2) and unblocks reads.
    this.appendEntries([EMPTY]);
  }

  // --- output ---

  private message(f: OutgoingFields): Message {
    return makeMessage({ from: this.id, term: this.term, ...f });
  }

  private send(f: OutgoingFields): void {
    this.msgs.push(this.message(f));
  }

  /** A response acknowledging our log: it may leave only once the log it acknowledges is durable. */
  private ack(f: OutgoingFields): void {
    this.msgsAfterPersist.push(this.message(f));
  }
}
