// Every knob of the core is a documented field, validated together; an invalid config is rejected
// with an error that names the field.

import type { Flags } from "./flags.ts";
import type { NodeId } from "./types.ts";

export interface RaftConfig {
  /** This node's id (1-based). */
  readonly id: NodeId;
  /**
   * The initial configuration's voters, this node included: in force until the log or a snapshot
   * holds a configuration (membership.ts). Empty for a node that joins a running cluster: it has no
   * configuration, never campaigns, and waits for a leader to add it.
   */
  readonly voters: readonly NodeId[];
  /**
   * Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
   * uniformly from [electionTicks, 2*electionTicks) after every reset (Raft §5.2). With the shell's
   * default 15 ms tick, 10 ticks is the 150–300 ms the paper suggests.
   */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats; must be well below `electionTicks`. */
  readonly heartbeatTicks: number;
  /** Run a pre-vote round before incrementing the term (thesis §9.6), so a rejoining node does not disrupt. */
  readonly preVote: boolean;
  /** A leader that has not heard from a majority within an election timeout steps down. */
  readonly checkQuorum: boolean;
  /**
   * `safe`: ReadIndex confirmed by a heartbeat round. `lease`: the leader serves reads at once while
   * its lease holds (src/core/lease.ts), else as `safe`; requires `checkQuorum`, `leaseMs` and a
   * clock (RawNode's `now`).
   */
  readonly readOnly: "safe" | "lease";
  /**
   * How long a lease lasts after the send time of the latest heartbeat round a majority echoed, in
   * the clock's milliseconds. Safe when it is at most the followers' guaranteed wait, (electionTicks
   * − 1) ticks, minus how far any follower's clock can run ahead of the leader's over that span (the
   * clock-drift bound). 0 with `safe` reads.
   */
  readonly leaseMs: number;
  /** Most entries in one AppendEntries (flag `batch` off: 1). */
  readonly maxBatchEntries: number;
  /** Most payload bytes in one AppendEntries; a single larger entry is still sent alone. */
  readonly maxBatchBytes: number;
  /** Most AppendEntries outstanding per follower in the replicate state (flag `pipeline` off: 1). */
  readonly maxInflight: number;
  /** Most payload bytes outstanding per follower (0 = unlimited). */
  readonly maxInflightBytes: number;
  /**
   * Flag `parallel-append`: send new entries to followers before the leader's own write is durable.
   * Either way the leader counts itself in the quorum only once its write is durable (thesis §10.2.1).
   */
  readonly parallelAppend: boolean;
  /** Most payload bytes of committed entries handed out in one Ready (at least one entry always). */
  readonly maxApplyBytes: number;
  /** Largest accepted proposal payload. */
  readonly maxEntryBytes: number;
  /** Seed of this node's election-timeout randomness. */
  readonly seed: number;
}

export const DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  readOnly: "safe",
  leaseMs: 0,
  maxBatchEntries: 512,
  maxBatchBytes: 1 << 20,
  maxInflight: 64,
  maxInflightBytes: 16 << 20,
  parallelAppend: false,
  maxApplyBytes: 4 << 20,
  maxEntryBytes: 1 << 20,
  seed: 1,
} as const satisfies Partial<RaftConfig>;

/** The replication knobs behind the flags, settable per node (`--max-inflight`, ...) and swept by the bench. */
export const KNOB_NAMES = [
  "maxInflight",
  "maxInflightBytes",
  "maxBatchEntries",
  "maxBatchBytes",
  "maxApplyBytes",
] as const;
export type KnobName = (typeof KNOB_NAMES)[number];
export type Knobs = Pick<RaftConfig, KnobName>;

/**
 * Each knob's command-line option (node and bench) and its valid range. The window is allocated up
 * front (one slot per AppendEntries), so its count is bounded; 1 TiB bounds the byte knobs.
 */
export const KNOB_OPTIONS: Readonly<
  Record<KnobName, { readonly option: string; readonly min: number; readonly max: number }>
> = {
  maxInflight: { option: "--max-inflight", min: 1, max: 1_000_000 },
  maxInflightBytes: { option: "--max-inflight-bytes", min: 0, max: 2 ** 40 },
  maxBatchEntries: { option: "--max-batch-entries", min: 1, max: 1_000_000 },
  maxBatchBytes: { option: "--max-batch-bytes", min: 1, max: 2 ** 40 },
  maxApplyBytes: { option: "--max-apply-bytes", min: 1, max: 2 ** 40 },
};

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`invalid config: ${field}: ${message}`);
    this.name = "ConfigError";
  }
}

/**
 * Builds a config from the optimization flags: a flag is a policy (batch off = batches of one,
 * pipeline off = a window of one), never a separate code path.
 */
export function configFromFlags(
  id: NodeId,
  voters: readonly NodeId[],
  flags: Flags,
  overrides: Partial<RaftConfig> = {},
): RaftConfig {
  const cfg: RaftConfig = {
    ...DEFAULTS,
    id,
    voters,
    parallelAppend: flags.parallelAppend,
    ...overrides,
    ...(flags.batch ? {} : { maxBatchEntries: 1 }),
    ...(flags.pipeline ? {} : { maxInflight: 1 }),
  };
  validateConfig(cfg);
  return cfg;
}

/** What a flag switch may change at run time (RawNode.reconfigure): the knobs behind the flags. */
const REPLICATION_POLICY: readonly (keyof RaftConfig)[] = [...KNOB_NAMES, "parallelAppend"];

/** Throws a ConfigError naming the first field outside the replication policy that differs. */
export function assertSameIdentity(current: RaftConfig, next: RaftConfig): void {
  for (const field of Object.keys(current) as (keyof RaftConfig)[]) {
    if (REPLICATION_POLICY.includes(field)) continue;
    if (String(current[field]) !== String(next[field])) {
      throw new ConfigError(field, `cannot change at run time (${current[field]} → ${next[field]})`);
    }
  }
}

const isPosInt = (n: number): boolean => Number.isInteger(n) && n > 0;

export function validateConfig(c: RaftConfig): void {
  if (!isPosInt(c.id)) throw new ConfigError("id", `must be a positive integer, got ${c.id}`);
  if (new Set(c.voters).size !== c.voters.length) throw new ConfigError("voters", "has duplicates");
  for (const v of c.voters)
    if (!isPosInt(v)) throw new ConfigError("voters", `ids must be positive integers, got ${v}`);
  if (c.voters.length > 0 && !c.voters.includes(c.id)) {
    throw new ConfigError("voters", `must include this node's id ${c.id} (or be empty, for a node that joins)`);
  }
  if (!isPosInt(c.heartbeatTicks)) throw new ConfigError("heartbeatTicks", "must be a positive integer");
  if (!isPosInt(c.electionTicks)) throw new ConfigError("electionTicks", "must be a positive integer");
  if (c.electionTicks <= c.heartbeatTicks) {
    throw new ConfigError("electionTicks", `must be greater than heartbeatTicks (${c.heartbeatTicks})`);
  }
  if (c.readOnly !== "safe" && c.readOnly !== "lease") throw new ConfigError("readOnly", `must be "safe" or "lease"`);
  if (c.readOnly === "lease" && !c.checkQuorum) {
    throw new ConfigError("readOnly", `"lease" requires checkQuorum: followers honour a leader's lease only with it`);
  }
  if (!(Number.isFinite(c.leaseMs) && c.leaseMs >= 0)) throw new ConfigError("leaseMs", "must be a number >= 0");
  if (c.readOnly === "lease" && c.leaseMs === 0) {
    throw new ConfigError(
      "leaseMs",
      `"lease" reads need a lease length (election timeout minus the clock-drift bound)`,
    );
  }
  if (!isPosInt(c.maxBatchEntries)) throw new ConfigError("maxBatchEntries", "must be a positive integer");
  if (!isPosInt(c.maxBatchBytes)) throw new ConfigError("maxBatchBytes", "must be a positive integer");
  if (!isPosInt(c.maxInflight)) throw new ConfigError("maxInflight", "must be a positive integer");
  if (!Number.isInteger(c.maxInflightBytes) || c.maxInflightBytes < 0) {
    throw new ConfigError("maxInflightBytes", "must be a non-negative integer (0 = unlimited)");
  }
  if (!isPosInt(c.maxApplyBytes)) throw new ConfigError("maxApplyBytes", "must be a positive integer");
  if (!isPosInt(c.maxEntryBytes)) throw new ConfigError("maxEntryBytes", "must be a positive integer");
  if (!Number.isInteger(c.seed)) throw new ConfigError("seed", "must be an integer");
}
