// The client HTTP API's bodies (docs/DESIGN.md "The client HTTP API"), shared by the server that
// writes them (src/api/http-api.ts, src/server/raft-node.ts) and the client that reads them
// (api-client.ts).

import type { LinkSettings } from "../transport/link-shaper.ts";
import type { CounterSnapshot } from "./mechanism-counters.ts";
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
  /** Every member's id, this node's included (membership is static: the node's configuration). */
  readonly members: readonly number[];
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly firstIndex: number;
  readonly flags: string;
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

/**
 * The `code` of a 503 or 501:
 * no_leader — nothing was proposed; timeout, unknown — the outcome is unknown; lost — it did not take
 * effect; unsupported (501) — the node's state machine keeps no data (`noop`): no reads, no cas.
 */
export type ErrorCode = "no_leader" | "timeout" | "lost" | "unknown" | "unsupported";

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
