// The core's API to the shell (etcd-io/raft rawnode.go, with tikv/raft-rs's numbered Readies).
//
// The shell loops: feed inputs (tick/step/propose/readIndex); while hasReady(), take ready(), call
// advance(rd) at once, then do the work the Ready describes (see `Ready` in types.ts) and report back
// with onPersisted(rd.seq) and onApplied(index).
//
// Durability order is data. `persistedMessages` hold:
//  - every AppResp a follower sends (it acknowledges log entries) and every VoteResp (a vote must be
//    durable before it is granted), and
//  - with parallelAppend off, the leader's AppendEntries carrying entries above its own stable index.
// They may be sent only after this Ready and every earlier one are durable. When a Ready persists
// nothing and no earlier Ready is still being persisted, they are moved into `messages`.
// The shell must call onPersisted(seq) for every Ready that has a snapshot, entries, a hard state or
// persisted messages (calling it for other Readies is harmless); one call covers all Readies <= seq.

import { assertSameIdentity, ConfigError, type RaftConfig, validateConfig } from "./config.ts";
import type { LogReader } from "./log-reader.ts";
import { type ConfChange, sameConf } from "./membership.ts";
import { Raft } from "./raft.ts";
import type { RaftStatus } from "./status.ts";
import type {
  ConfChangeResult,
  ConfState,
  HardState,
  Message,
  ProposeResult,
  Ready,
  SoftState,
  TransferStart,
} from "./types.ts";

interface PendingSelfSteps {
  readonly seq: number;
  readonly msgs: readonly Message[];
}

const sameHardState = (a: HardState, b: HardState): boolean =>
  a.term === b.term && a.vote === b.vote && a.commit === b.commit;

export class RawNode {
  private readonly raft: Raft;
  /** Seq of the last Ready taken (advanced). */
  private seq = 0;
  /** Highest seq reported durable. */
  private persistedSeq = 0;
  /** Highest seq that asked the shell to persist something (or to hold messages until durable). */
  private lastSeqToPersist = 0;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private prevConf: ConfState;
  private selfSteps: PendingSelfSteps[] = [];

  /**
   * Recovers term, vote, commit and the log from `log` (validates `cfg`, throwing ConfigError).
   * `now`: a monotonic clock in ms, which lease reads need (`cfg.readOnly` "lease").
   */
  constructor(cfg: RaftConfig, log: LogReader, now?: () => number) {
    validateConfig(cfg);
    if (cfg.readOnly === "lease" && now === undefined) {
      throw new ConfigError("readOnly", `"lease" reads need a clock: give RawNode a monotonic now()`);
    }
    this.raft = new Raft(cfg, log, now);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
    this.prevConf = this.raft.conf;
  }

  /** One logical clock tick. */
  tick(): void {
    this.raft.tick();
  }

  /** A message from a peer. Never throws: malformed, stale or foreign messages are dropped. */
  step(m: Message): void {
    this.raft.step(m);
  }

  /** Appends `data` (one entry each) on the leader; `index` is the first new entry's index. */
  propose(data: readonly Uint8Array[]): ProposeResult {
    return this.raft.propose(data);
  }

  /** Leader only: hands leadership to voter `to` (see Raft.transferLeader); says whether it started. */
  transferLeader(to: number): TransferStart {
    return this.raft.transferLeader(to);
  }

  /**
   * On the leader, appends a configuration entry for one membership change (in force at once); its
   * `index` is the entry's. Refused while another change is uncommitted (see ConfChangeResult).
   */
  proposeConfChange(change: ConfChange): ConfChangeResult {
    return this.raft.proposeConfChange(change);
  }

  /** The configuration in force once entry `index` is applied (`index` ≥ the applied index). */
  confAt(index: number): ConfState {
    return this.raft.log.confs.at(index);
  }

  /** Leader only (false otherwise): a ReadState for `ctx` appears in a later Ready once confirmed. */
  readIndex(ctx: number): boolean {
    return this.raft.readIndex(ctx);
  }

  hasReady(): boolean {
    const r = this.raft;
    const soft = r.softState();
    return (
      soft.role !== this.prevSoft.role ||
      soft.leader !== this.prevSoft.leader ||
      !sameHardState(r.hardState(), this.prevHard) ||
      r.log.unstable.hasNextEntries() ||
      r.log.unstable.nextSnapshot() !== null ||
      r.msgs.length > 0 ||
      r.msgsAfterPersist.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /** The work to do now. Changes nothing until advance(rd). */
  ready(): Ready {
    const r = this.raft;
    const soft = r.softState();
    const hard = r.hardState();
    const softState = soft.role !== this.prevSoft.role || soft.leader !== this.prevSoft.leader ? soft : null;
    const hardState = sameHardState(hard, this.prevHard) ? null : hard;
    // A configuration changes only with an append or a snapshot, which make a Ready of their own.
    const conf = sameConf(r.conf, this.prevConf) ? null : r.conf;
    const snapshot = r.log.unstable.nextSnapshot();
    const entries = r.log.unstable.nextEntries();
    const persists = snapshot !== null || entries.length > 0 || hardState !== null;
    let messages = r.msgs;
    let persistedMessages = r.msgsAfterPersist;
    if (!persists && this.lastSeqToPersist <= this.persistedSeq && persistedMessages.length > 0) {
      // Everything they acknowledge or carry is already durable.
      messages = messages.concat(persistedMessages);
      persistedMessages = [];
    }
    return {
      seq: this.seq + 1,
      softState,
      conf,
      hardState,
      snapshot,
      entries,
      messages,
      persistedMessages,
      committedEntries: r.log.nextCommittedEntries(r.cfg.maxApplyBytes),
      readStates: r.readStates,
      appendWindows: r.appendWindows,
    };
  }

  /** Accepts `rd` (the last ready()): the core now counts its writes, sends and applies as in progress. */
  advance(rd: Ready): void {
    if (rd.seq !== this.seq + 1) throw new Error(`advance: expected Ready ${this.seq + 1}, got ${rd.seq}`);
    const r = this.raft;
    this.seq = rd.seq;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    this.prevConf = r.conf;
    r.log.acceptUnstable(rd.seq, rd.entries.length > 0);
    if (r.stepsAfterPersist.length > 0) {
      this.selfSteps.push({ seq: rd.seq, msgs: r.stepsAfterPersist });
      r.stepsAfterPersist = [];
    }
    if (rd.snapshot || rd.entries.length > 0 || rd.hardState || rd.persistedMessages.length > 0) {
      this.lastSeqToPersist = rd.seq;
    }
    r.msgs = [];
    r.msgsAfterPersist = [];
    r.readStates = [];
    if (r.appendWindows.length > 0) r.appendWindows = [];
    const ce = rd.committedEntries;
    if (ce.length > 0) r.log.acceptApplying(ce[ce.length - 1]!.index);
  }

  /** Everything in Readies up to `seq` is durable (snapshot, entries and hard state). */
  onPersisted(seq: number): void {
    if (seq <= this.persistedSeq || seq > this.seq) return;
    this.persistedSeq = seq;
    let n = 0;
    while (n < this.selfSteps.length && this.selfSteps[n]!.seq <= seq) n++;
    const steps = this.selfSteps.slice(0, n).flatMap((s) => s.msgs);
    this.selfSteps = this.selfSteps.slice(n);
    this.raft.onPersisted(seq, steps);
  }

  /**
   * Switches to `cfg` between Readies (a flag switch): only the replication policy may differ from
   * the config in force (REPLICATION_POLICY in config.ts); anything else throws a ConfigError.
   */
  reconfigure(cfg: RaftConfig): void {
    validateConfig(cfg);
    assertSameIdentity(this.raft.cfg, cfg);
    this.raft.setPolicy(cfg);
  }

  /** The state machine has applied every committed entry up to `index`. */
  onApplied(index: number): void {
    this.raft.log.appliedTo(index);
  }

  status(): RaftStatus {
    return this.raft.status();
  }
}
