// The client HTTP API's bodies (docs/DESIGN.md "The client HTTP API"), shared by the server that
// writes them (src/api/http-api.ts, src/server/raft-node.ts) and the client that reads them
// (api-client.ts).

import type { LinkSettings } from "../transport/link-shaper.ts";
import type { CounterSnapshot } from "./mechanism-counters.ts";
import type { ReadMode } from "./read-mode.ts";
import type { Stage, StageSummary } from "./stage-stats.ts";
import type { StateMachineKind } from "./state-machines.ts";

/** `GET /status`. */
export interface NodeStatus {
  readonly id: number;
  readonly role: string;
  readonly term: number;
  readonly leader: number | null;
  readonly leaderUrl: string | null;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly pid: number;
  /** Every member's id (voters and learners) in the configuration in force on this node. */
  readonly members: readonly number[];
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly flags: string;
  /** How linearizable reads are served (`--read-mode`). */
  readonly readMode: ReadMode;
  /** The state machine the node replicates into (`--state-machine`). */
  readonly stateMachine: StateMachineKind;
  /** Keys held by the key-value machine (0 under `noop`). */
  readonly keys: number;
}

/** `GET /stats`: stage latencies, CPU and event-loop utilization since the last `POST /stats/reset`. */
export interface NodeStats {
  readonly stagesUs: Record<Stage, StageSummary>;
  readonly elu: number;
  readonly cpu: { readonly userMs: number; readonly systemMs: number; readonly wallMs: number };
  readonly status: NodeStatus;
  /** Cumulative since the node started: a window is the difference of two scrapes. */
  readonly mechanism: CounterSnapshot;
}

/** A member of the configuration in force, with its URLs (null: this node does not know them). */
export interface MemberInfo {
  readonly id: number;
  readonly role: "voter" | "learner";
  readonly client: string | null;
  readonly peer: string | null;
}

/** `GET /admin/members`: the configuration in force on the node asked. */
export interface MembersState {
  readonly leader: number | null;
  readonly members: readonly MemberInfo[];
  /** The entry that put it in force (or the snapshot holding it; 0: the initial configuration). */
  readonly confIndex: number;
  /** False while a change is in progress: its entry is not committed yet. */
  readonly committed: boolean;
}

/** `POST /admin/members`: one membership change (the new node's URLs with add-learner). */
export type MembersChangeBody =
  | { readonly op: "add-learner"; readonly id: number; readonly client: string; readonly peer: string }
  | { readonly op: "promote" | "remove"; readonly id: number };

/** The answer of `POST /admin/members`: the change committed at `index`; `members` as the node asked now sees them. */
export interface MembersChanged {
  readonly index: number;
  readonly members: MembersState;
}

/**
 * The `code` of a 503 or 501:
 * no_leader, transferring (the leader is handing over) — nothing was proposed; timeout, unknown — the
 * outcome is unknown; lost — it did not take effect; unsupported (501) — the node's state machine
 * keeps no data (`noop`): no reads, no cas; busy — a membership change the leader cannot make yet
 * (another is in progress, or the learner is catching up): retry.
 */
export type ErrorCode = "no_leader" | "transferring" | "timeout" | "lost" | "unknown" | "unsupported" | "busy";

/** Every error answer (4xx, 5xx); a 307 carries `leader` next to its `Location`. */
export interface ErrorBody {
  readonly error: string;
  readonly code?: ErrorCode;
  readonly leader?: number;
}

/** `POST /cas/{key}`: the body, and the answer (200 ok, 409 with the value the comparison saw). */
export interface CasRequest {
  readonly expect: string | null;
  readonly value: string;
}
export type CasReply = { readonly ok: true } | { readonly ok: false; readonly current: string | null };

/** `POST /admin/links`: a change to this node's outgoing peer links (fields absent stay as they are). */
export interface LinkChangeBody {
  readonly to?: readonly number[];
  readonly partitioned?: boolean;
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly lossRate?: number;
}

/** The answer of `POST /admin/links`: the link settings now in force. */
export interface LinkState {
  readonly defaults: LinkSettings;
  readonly links: Record<string, LinkSettings>;
}

/** `POST /admin/flags`: the combination to switch to (`none`, `all`, or flags joined by "+"). */
export interface FlagsChangeBody {
  readonly flags: string;
}

/** The answer of `POST /admin/flags`: the combination now in force, and how long the switch waited for a safe point. */
export interface FlagsState {
  readonly flags: string;
  readonly waitedMs: number;
}

/** `POST /admin/fsync-delay`: the microseconds added to every fsync from now on. */
export interface FsyncDelayBody {
  readonly us: number;
}

/** The answer of `POST /admin/fsync-delay`: the delay now in force. */
export type FsyncDelayState = FsyncDelayBody;

/** `POST /admin/transfer-leader`: the voter to hand leadership to (absent: the most up-to-date follower). */
export interface TransferLeaderBody {
  readonly to?: number;
}

/** The answer of `POST /admin/transfer-leader` once the target leads: who, and how long it took. */
export interface TransferLeaderState {
  readonly leader: number;
  readonly ms: number;
}
