// The data the Raft core consumes and produces. Plain objects only: the core does no IO, so
// these are what the shell persists, sends and applies.

/** A node's id: 1-based, as in `/status` and on the command line. 0 means "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

/** What an entry carries: a command for the state machine, or a configuration for the core. */
export const enum EntryType {
  Normal = 0,
  /** `data` is the whole configuration it puts in force (membership.ts `encodeConfState`). */
  ConfChange = 1,
}

/**
 * A log entry. An entry with empty `data` is the no-op a new leader appends on election. `type` is
 * absent on normal entries (the hot path keeps one object shape) and set only on configurations.
 */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
  readonly type?: EntryType;
}

/**
 * A cluster configuration (thesis §4.1): who votes and counts toward commit, and who only receives
 * the log. The latest one in a node's log is in force, committed or not.
 */
export interface ConfState {
  /** Vote, and count toward commit, CheckQuorum and ReadIndex. */
  readonly voters: readonly NodeId[];
  /** Receive the log and snapshots; never vote and never count. */
  readonly learners: readonly NodeId[];
  /**
   * Each member's address as the change that added it gave it, by id; opaque to the core (the node
   * keeps its client and peer URLs there). Members of the initial configuration have none.
   */
  readonly addresses: Readonly<Record<NodeId, string>>;
}

/** What must be durable before a node votes or acknowledges (Raft §5, Figure 2 "persistent state"). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMeta {
  /** Index and term of the last entry the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The configuration in force at `index`: a node restored from the snapshot recovers it. */
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The state machine's serialized state at `meta.index`; opaque to the core. */
  readonly data: Uint8Array;
}

export const enum MessageType {
  /** Leader → follower: AppendEntries. */
  App = 1,
  AppResp = 2,
  /** Candidate → all: RequestVote. */
  Vote = 3,
  VoteResp = 4,
  /** Pre-candidate → all: would you vote for me? (thesis §9.6). Changes no state on the receiver. */
  PreVote = 5,
  PreVoteResp = 6,
  /** Leader → follower: keep-alive, carries commit and the ReadIndex round (`ctx`). */
  Heartbeat = 7,
  HeartbeatResp = 8,
  /** Leader → follower: InstallSnapshot. */
  Snap = 9,
  /** Leader → transfer target, once it holds the leader's whole log: campaign now (thesis §3.10). */
  TimeoutNow = 10,
}

/**
 * One flat message type for every RPC (as etcd-io/raft's `raftpb.Message`), so the codec is one
 * function. Fields not meaningful for a type are 0 / empty.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** App: term of the entry at `index` (prevLogTerm). Vote/PreVote: candidate's last log term. */
  readonly logTerm: number;
  /**
   * App: prevLogIndex. AppResp: the acknowledged (or rejected) index. Vote: candidate's last index.
   * Heartbeat/HeartbeatResp: the lease round (src/core/lease.ts; 0 without lease reads).
   */
  readonly index: number;
  readonly entries: readonly Entry[];
  /** Leader's commit index (App, Heartbeat). */
  readonly commit: number;
  readonly reject: boolean;
  /** AppResp rejection: the follower's hint for fast backtracking (index to probe next). */
  readonly rejectHint: number;
  /** AppResp rejection: term of the follower's entry at `rejectHint` (0 when none). */
  readonly hintTerm: number;
  /**
   * Heartbeat/HeartbeatResp: the ReadIndex round being confirmed (0 = none). Vote: CAMPAIGN_TRANSFER
   * when the candidate campaigns on a TimeoutNow, so voters set their leader lease aside.
   */
  readonly ctx: number;
  /** Snap only. */
  readonly snapshot: Snapshot | null;
}

export type Role = "follower" | "precandidate" | "candidate" | "leader";

/** Volatile state the shell may want to observe; changes appear in `Ready.softState`. */
export interface SoftState {
  readonly role: Role;
  readonly leader: NodeId;
}

/** A ReadIndex request that is now safe to serve once `appliedIndex >= index`. */
export interface ReadState {
  /** The opaque request context given to `readIndex(ctx)`. */
  readonly ctx: number;
  readonly index: number;
}

/**
 * The work the core hands to the shell (etcd-io/raft `Ready`, numbered as in tikv/raft-rs).
 *
 * Order of duty for the shell:
 *  1. send `messages` at once;
 *  2. persist `snapshot` (if any), then `entries` (truncating the log from `entries[0].index`), then
 *     `hardState`; once all of it is durable, call `onPersisted(seq)` and only then send
 *     `persistedMessages` (durability order is data, not timing);
 *  3. apply `committedEntries` in order (inline or on an apply loop), then call `onApplied(index)`;
 *  4. serve `readStates` once the applied index reaches each one's `index`.
 * `advance(ready)` must be called right after the Ready is taken, before the next `ready()`.
 */
export interface Ready {
  readonly seq: number;
  readonly softState: SoftState | null;
  /**
   * The configuration in force, when it changed since the last Ready: an appended configuration
   * entry (in force from its append, thesis §4.1), a truncated one (the one before it is back), or a
   * snapshot. It changes only with `entries` or `snapshot`, so it needs no Ready of its own.
   */
  readonly conf: ConfState | null;
  /** Set only when it changed since the last Ready. */
  readonly hardState: HardState | null;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly persistedMessages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  /**
   * For every AppendEntries carrying entries in this Ready (in `messages` or `persistedMessages`), in
   * the order they were made: how many AppendEntries were in flight to that follower right after it
   * (the pipelining window's fill; always 1 with a window of one). For the shell's counters only.
   */
  readonly appendWindows: readonly number[];
}

/** A Vote's `ctx` when the candidate campaigns because its leader handed over (TimeoutNow). */
export const CAMPAIGN_TRANSFER = 1;

/** Outcome of `propose` / `readIndex`. `transferring`: the leader is handing over and takes no proposals. */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: "not_leader" | "too_large" | "transferring" };

/** Outcome of `transferLeader(to)`: started (or already under way to `to`), or why not. */
export type TransferStart = "started" | "not_leader" | "not_voter" | "self";

/**
 * Outcome of `proposeConfChange`. `busy`: not now (a change is uncommitted, the leader has not
 * committed an entry of its term yet, or the learner to promote is behind); retry. `invalid`: never
 * in this configuration (e.g. removing a node that is not a member). `detail` says which.
 */
export type ConfChangeResult =
  | ProposeResult
  | { readonly ok: false; readonly reason: "busy" | "invalid"; readonly detail: string };
