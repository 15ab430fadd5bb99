// One networked raftlab node: the durable store, the Raft core and its driver, the peer transport,
// the client API, and the clock. This is the IO shell around the pure core: it owns time (the tick
// timer), the disk, the sockets and the apply thread.

import { performance } from "node:perf_hooks";
import { parseFlagsChange } from "../api/admin-flags.ts";
import { parseFsyncDelayChange } from "../api/admin-fsync-delay.ts";
import { parseLinkChange } from "../api/admin-links.ts";
import { parseMembersChange } from "../api/admin-members.ts";
import { parseTransferLeader } from "../api/admin-transfer-leader.ts";
import {
  AdminError,
  type ApiLimits,
  type ApiLoad,
  MAX_ENTRY_BYTES,
  MAX_VALUE_BYTES,
  maxEntryBytes,
  mountApi,
} from "../api/http-api.ts";
import { NodeMetrics } from "../api/metrics.ts";
import { configFromFlags, type Knobs, type RaftConfig } from "../core/config.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import { confMembers } from "../core/membership.ts";
import { RawNode } from "../core/raw-node.ts";
import { seededRng } from "../core/rng.ts";
import type { ConfState } from "../core/types.ts";
import type {
  FlagsState,
  FsyncDelayState,
  MembersChanged,
  MembersState,
  NodeStatus,
  TransferLeaderState,
} from "../node/api-types.ts";
import { type Applier, inlineApplier, loopApplier, workerApplier } from "../node/appliers.ts";
import { clientUrlOf, type MemberAddress, peerUrlOf } from "../node/cluster-file.ts";
import { type MembershipOutcome, type ProposalOutcome, RaftDriver } from "../node/driver.ts";
import { armFailpoint, type FailpointSpec } from "../node/failpoints.ts";
import { type ApplyResult, encodeCommand } from "../node/kv-command.ts";
import type { TransferFailure } from "../node/leader-transfer.ts";
import { MechanismCounters } from "../node/mechanism-counters.ts";
import { addressFrom, memberList } from "../node/members.ts";
import { defaultClockDriftMs, type ReadMode, readSettings } from "../node/read-mode.ts";
import { StageStats } from "../node/stage-stats.ts";
import { createStateMachine, type StateMachineKind } from "../node/state-machines.ts";
import { FileStore, type StorageMode } from "../storage/file-store.ts";
import { type LinkSettings, LinkShaper } from "../transport/link-shaper.ts";
import { PeerTransport } from "../transport/peer-transport.ts";
import { listenExclusive, uws } from "../transport/uws.ts";

/** A member's address, as `--peers` and the cluster file give it. */
export type PeerAddress = MemberAddress;

export interface NodeOptions {
  readonly id: number;
  /**
   * The members this node knows of at start, itself included: the initial configuration's voters,
   * or with `join` only their addresses (members added at run time bring theirs in the log).
   */
  readonly peers: readonly PeerAddress[];
  /**
   * Start with no configuration, to be added to a running cluster (`POST /admin/members` on its
   * leader): the node never campaigns until it is a voter. Ignored once its log holds a configuration.
   */
  readonly join?: boolean;
  readonly dataDir: string;
  readonly flags: Flags;
  /** Peers must present the same cluster id; a stray node from another cluster is refused. */
  readonly clusterId: string;
  /** The cluster's shared secret peers must prove (null: none, the peer port is open to local processes). */
  readonly secret: string | null;
  /** Address to bind (default 127.0.0.1). */
  readonly host: string;
  /** Milliseconds per core tick; election timeout = electionTicks..2×electionTicks ticks. */
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** How linearizable reads are served (default readindex). */
  readonly readMode?: ReadMode;
  /** The clock-drift bound lease reads are safe under (default: a tenth of the election timeout). */
  readonly maxClockDriftMs?: number;
  /** Added to every fsync, to emulate a real SSD on a host-cached virtual disk. */
  readonly fsyncDelayUs: number;
  /** What the log is applied to: the key-value map, or nothing (`noop`, to measure replication alone). */
  readonly stateMachine: StateMachineKind;
  /** Time each applied command holds the applying thread (appliers.ts), to study costly state machines. */
  readonly applyCostUs: number;
  /** Compact the log every N applied entries. */
  readonly snapshotEvery: number;
  readonly limits: ApiLimits;
  /** Link shaping applied to every outgoing peer link at start. */
  readonly links: Partial<LinkSettings>;
  /** Serve `/admin/…` (link shaping and flag switches at run time). */
  readonly admin: boolean;
  /** Seed for election timeouts and link-shaping randomness. */
  readonly seed: number;
  /** Exit when the parent process goes away (the IPC channel of `raftlab cluster`). */
  readonly exitWithParent: boolean;
  /** `buffered` loses unsynced log writes on a kill -9, as on a power loss (crash tests). Default `direct`. */
  readonly storageMode?: StorageMode;
  /** Replication knobs (window, batch and apply limits); a flag that is off still forces its own value. */
  readonly knobs?: Partial<Knobs>;
  /** Crash (SIGKILL) at this point; crash tests only. */
  readonly failpoint?: FailpointSpec | null;
}

export interface RunningNode {
  readonly driver: RaftDriver<ApplyResult | undefined>;
  /**
   * A graceful exit's first step: a leader of several nodes hands leadership to its most up-to-date
   * follower (bounded by the core's election timeout), so the cluster does not wait out an election
   * timeout for it. Resolves with what happened, for the log; null when this node was not leading.
   */
  handOver(): Promise<string | null>;
  stop(): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const self = o.peers.find((p) => p.id === o.id);
  if (!self) throw new Error(`--peers does not name this node's id ${o.id}`);
  if (o.limits.maxValueBytes > MAX_VALUE_BYTES) {
    throw new Error(`the value limit ${o.limits.maxValueBytes} is above the maximum ${MAX_VALUE_BYTES}`);
  }

  const failpoint = o.failpoint ? armFailpoint(o.failpoint) : undefined;
  const store = FileStore.open(o.dataDir, { fsyncDelayUs: o.fsyncDelayUs, mode: o.storageMode ?? "direct", failpoint });
  const voters = o.join ? [] : o.peers.map((p) => p.id);
  const reads = readSettings(
    o.readMode ?? "readindex",
    o.tickMs,
    o.electionTicks,
    o.maxClockDriftMs ?? defaultClockDriftMs(o.tickMs, o.electionTicks),
  );
  // Every member's address: the command line's, then what configurations bring (learnAddresses).
  const directory = new Map(o.peers.map((p) => [p.id, p]));
  // The one source of the core's config, at start and at every flag switch.
  const configFor = (flags: Flags): RaftConfig =>
    configFromFlags(o.id, voters, flags, {
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      ...reads,
      maxEntryBytes: maxEntryBytes(o.limits),
      seed: o.seed * 1000 + o.id,
      ...o.knobs,
    });
  const core = new RawNode(configFor(o.flags), store, () => performance.now());
  const { machine: sm, kv } = createStateMachine(o.stateMachine);
  const snap = store.snapshot();
  if (snap.meta.index > 0) sm.restore(snap.data, snap.meta.index);

  let transport!: PeerTransport;
  let driver!: RaftDriver<ApplyResult | undefined>;
  let api!: ApiLoad;
  const counters = new MechanismCounters();
  const metrics = new NodeMetrics({
    counters,
    status: () => status(),
    elu: () => stats.summary().elu,
    transport: () => transport.stats(),
    inflight: () => api.inflight(),
  });
  const stats = new StageStats((stage, us) => metrics.observeStage(stage, us));
  const shaper = new LinkShaper({ defaults: o.links, rng: seededRng(o.seed * 7919 + o.id) });
  transport = new PeerTransport({
    selfId: o.id,
    clusterId: o.clusterId,
    secret: o.secret,
    host: o.host,
    port: self.peerPort,
    peers: new Map(o.peers.filter((p) => p.id !== o.id).map((p) => [p.id, peerUrlOf(p)])),
    // Any peer's largest entry, not this node's own limit: peers may run with other limits.
    maxEntryBytes: MAX_ENTRY_BYTES,
    shaper,
    onMessages: (msgs) => driver.step(msgs),
  });
  /** Members added at run time: dialed, and their clients redirected to, from their entry's append. */
  const learnAddresses = (conf: ConfState): void => {
    for (const [id, text] of Object.entries(conf.addresses)) {
      const member = addressFrom(Number(id), text);
      if (member === null) continue;
      directory.set(member.id, member);
      transport.setPeer(member.id, peerUrlOf(member));
    }
  };
  learnAddresses(core.status().conf);

  const asyncApplier: Applier<ApplyResult | undefined> =
    o.applyCostUs > 0 ? workerApplier(sm, o.applyCostUs) : loopApplier(sm);
  driver = new RaftDriver({
    core,
    store,
    flags: o.flags,
    configFor,
    stateMachine: sm,
    send: (msgs) => transport.send(msgs),
    onConf: learnAddresses,
    asyncApplier,
    inlineApplier: inlineApplier(sm, o.applyCostUs),
    schedule: setImmediate,
    snapshotEvery: o.snapshotEvery,
    onFatal: (err) => {
      process.stderr.write(`node ${o.id}: storage failed, stopping: ${err.message}\n`);
      process.exit(70);
    },
    now: () => performance.now(),
    onTimings: (t) => stats.record(t),
    counters,
    failpoint,
  });

  const urlOf = (id: number): string | null => {
    const member = directory.get(id);
    return member ? clientUrlOf(member) : null;
  };
  const members = (): MembersState => {
    const s = driver.status();
    return {
      leader: s.leader || null,
      members: memberList(s.conf, (id) => directory.get(id)),
      confIndex: s.confIndex,
      committed: s.confIndex <= s.commit,
    };
  };
  /** Resolves once `to` (null: the most up-to-date follower) leads; rejects with an AdminError saying why not. */
  const transferLeader = (to: number | null): Promise<TransferLeaderState> => {
    const asked = performance.now();
    return new Promise((resolve, reject) =>
      driver.transferLeader(to, (t) => {
        if (t.ok) return resolve({ leader: t.leader, ms: performance.now() - asked });
        reject(new AdminError(TRANSFER_STATUS[t.code], t.message, t.leader ? { leader: t.leader } : {}));
      }),
    );
  };
  const status = (): NodeStatus => {
    const s = driver.status();
    const leader = s.leader || null;
    return {
      id: o.id,
      role: s.role,
      term: s.term,
      leader,
      leaderUrl: leader ? urlOf(leader) : null,
      clientUrl: clientUrlOf(self),
      peerUrl: peerUrlOf(self),
      pid: process.pid,
      members: confMembers(s.conf).sort((a, b) => a - b),
      commitIndex: s.commit,
      appliedIndex: sm.appliedIndex,
      lastIndex: s.lastIndex,
      firstIndex: s.firstIndex,
      flags: formatFlags(driver.currentFlags()),
      readMode: o.readMode ?? "readindex",
      stateMachine: o.stateMachine,
      keys: kv?.size ?? 0,
    };
  };

  const app = uws.App();
  api = mountApi(
    app,
    {
      propose: failpoint
        ? (cmd, cb) =>
            driver.propose(encodeCommand(cmd), (outcome) => {
              if (outcome.ok) failpoint("before-reply");
              cb(applied(outcome));
              if (outcome.ok) failpoint("after-reply");
            })
        : (cmd, cb) => driver.propose(encodeCommand(cmd), (outcome) => cb(applied(outcome))),
      readable: kv !== null,
      read: (key, cb) => driver.read(() => kv?.get(key) ?? null, cb),
      readLocal: (key) => kv?.get(key) ?? null,
      clientUrlOf: urlOf,
      status,
      metrics: () => metrics.render(),
      // The mechanism counters are cumulative (not reset with the stages): a reader diffs two scrapes.
      stats: () => ({ ...stats.summary(), status: status(), mechanism: counters.snapshot() }),
      resetStats: () => stats.reset(),
      countResponse: (code) => metrics.countResponse(code),
      countOverloaded: () => metrics.overloaded.inc(),
      admin: o.admin
        ? {
            links: {
              post: (body) => {
                const { to, change } = parseLinkChange(body);
                const unknown = to?.find((id) => !directory.has(id) || id === o.id);
                if (unknown !== undefined)
                  throw new Error(`"to" names ${unknown}, which is not a peer of node ${o.id}`);
                transport.setLinks(change, to);
                return transport.links();
              },
            },
            "fsync-delay": {
              post: (body) => {
                const us = parseFsyncDelayChange(body);
                store.setFsyncDelayUs(us);
                return { us } satisfies FsyncDelayState;
              },
            },
            "transfer-leader": {
              post: (body) => {
                const to = parseTransferLeader(body);
                if (to !== null && urlOf(to) === null) {
                  throw new AdminError(400, `"to" names ${to}, which is not a member of this cluster`);
                }
                return transferLeader(to);
              },
            },
            flags: {
              post: (body) => {
                const flags = parseFlagsChange(body);
                const asked = performance.now();
                return new Promise<FlagsState>((resolve, reject) =>
                  driver.setFlags(flags, (inForce) => {
                    if (inForce === null) return reject(new Error("the node is stopping; the flags did not change"));
                    resolve({ flags: formatFlags(inForce), waitedMs: performance.now() - asked });
                  }),
                );
              },
            },
            members: {
              get: members,
              post: (body) => {
                const change = parseMembersChange(body);
                return new Promise<MembersChanged>((resolve, reject) =>
                  driver.changeMembers(change, (out) =>
                    out.ok ? resolve({ index: out.index, members: members() }) : reject(membersRefusal(out, urlOf)),
                  ),
                );
              },
            },
          }
        : null,
    },
    o.limits,
  );

  await transport.start();
  const listenSocket = await listenExclusive(app, o.host, self.clientPort);

  const ticker = setInterval(() => driver.tick(), o.tickMs);

  return {
    driver,
    async handOver() {
      const st = driver.status();
      if (st.role !== "leader" || o.peers.length === 1) return null;
      return transferLeader(null).then(
        (t) => `handed leadership to node ${t.leader} in ${t.ms.toFixed(1)} ms`,
        (err: Error) => `could not hand leadership over: ${err.message}`,
      );
    },
    async stop() {
      clearInterval(ticker);
      driver.stop();
      uws.us_listen_socket_close(listenSocket);
      await transport.close();
      asyncApplier.close?.();
      store.close();
    },
  };
}

/** A refusal's HTTP status: 421 (misdirected) for a node that is not the leader, 409 for the rest. */
const TRANSFER_STATUS: Record<TransferFailure, number> = {
  not_leader: 421,
  single_node: 409,
  not_voter: 409,
  self: 409,
  aborted: 409,
  superseded: 409,
  stopped: 503,
};

/** Why a membership change did not happen, as the API answers it. */
function membersRefusal(
  out: Exclude<MembershipOutcome, { ok: true }>,
  urlOf: (id: number) => string | null,
): AdminError {
  switch (out.code) {
    case "invalid":
      return new AdminError(409, out.detail);
    case "busy":
      return new AdminError(503, `${out.detail}; retry`, { code: "busy" });
    case "not_leader": {
      const url = out.leader ? urlOf(out.leader) : null;
      if (url) return new AdminError(307, "not the leader", { leader: out.leader }, `${url}/admin/members`);
      return new AdminError(503, "no leader is known; nothing was proposed, retry later", { code: "no_leader" });
    }
    case "lost":
      return new AdminError(503, "another leader's entry took its place: the change did not happen", { code: "lost" });
    default:
      return new AdminError(503, "the node lost track of the change; check GET /admin/members", { code: "unknown" });
  }
}

/** A write's outcome for the API: a machine that returns nothing (`noop`) applied it. */
function applied(o: ProposalOutcome<ApplyResult | undefined>): ProposalOutcome<ApplyResult> {
  return o.ok ? { ok: true, result: o.result ?? { ok: true } } : o;
}
