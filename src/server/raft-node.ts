// One networked raftlab node: the durable store, the Raft core and its driver, the peer transport,
// the client API, and the clock. This is the IO shell around the pure core: it owns time (the tick
// timer), the disk, the sockets and the apply thread.

import { performance } from "node:perf_hooks";
import { parseFlagsChange } from "../api/admin-flags.ts";
import { parseFsyncDelayChange } from "../api/admin-fsync-delay.ts";
import { parseLinkChange } from "../api/admin-links.ts";
import {
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
import { RawNode } from "../core/raw-node.ts";
import { seededRng } from "../core/rng.ts";
import type { FlagsState, FsyncDelayState, NodeStatus } from "../node/api-types.ts";
import { type Applier, inlineApplier, loopApplier, workerApplier } from "../node/appliers.ts";
import { clientUrlOf, type MemberAddress } from "../node/cluster-file.ts";
import { type ProposalOutcome, RaftDriver } from "../node/driver.ts";
import { armFailpoint, type FailpointSpec } from "../node/failpoints.ts";
import { type ApplyResult, encodeCommand } from "../node/kv-command.ts";
import { MechanismCounters } from "../node/mechanism-counters.ts";
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
  /** Every member of the cluster, this node included. */
  readonly peers: readonly PeerAddress[];
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
  stop(): Promise<void>;
}

export async function startNode(o: NodeOptions): Promise<RunningNode> {
  const self = o.peers.find((p) => p.id === o.id);
  if (!self) throw new Error(`--peers does not name this node's id ${o.id}`);
  if (o.limits.maxValueBytes > MAX_VALUE_BYTES) {
    throw new Error(`the value limit ${o.limits.maxValueBytes} is above the maximum ${MAX_VALUE_BYTES}`);
  }

  const peerUrl = (p: PeerAddress): string => `ws://${p.host}:${p.peerPort}`;

  const failpoint = o.failpoint ? armFailpoint(o.failpoint) : undefined;
  const store = FileStore.open(o.dataDir, { fsyncDelayUs: o.fsyncDelayUs, mode: o.storageMode ?? "direct", failpoint });
  const voters = o.peers.map((p) => p.id);
  // The one source of the core's config, at start and at every flag switch.
  const configFor = (flags: Flags): RaftConfig =>
    configFromFlags(o.id, voters, flags, {
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      maxEntryBytes: maxEntryBytes(o.limits),
      seed: o.seed * 1000 + o.id,
      ...o.knobs,
    });
  const core = new RawNode(configFor(o.flags), store);
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
    peers: new Map(o.peers.filter((p) => p.id !== o.id).map((p) => [p.id, peerUrl(p)])),
    // Any peer's largest entry, not this node's own limit: peers may run with other limits.
    maxEntryBytes: MAX_ENTRY_BYTES,
    shaper,
    onMessages: (msgs) => driver.step(msgs),
  });

  const asyncApplier: Applier<ApplyResult | undefined> =
    o.applyCostUs > 0 ? workerApplier(sm, o.applyCostUs) : loopApplier(sm);
  driver = new RaftDriver({
    core,
    store,
    flags: o.flags,
    configFor,
    stateMachine: sm,
    voters,
    send: (msgs) => transport.send(msgs),
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

  const urlOf = new Map(o.peers.map((p) => [p.id, clientUrlOf(p)]));
  const members = o.peers.map((p) => p.id);
  const status = (): NodeStatus => {
    const s = driver.status();
    const leader = s.leader || null;
    return {
      id: o.id,
      role: s.role,
      term: s.term,
      leader,
      leaderUrl: leader ? (urlOf.get(leader) ?? null) : null,
      clientUrl: clientUrlOf(self),
      peerUrl: peerUrl(self),
      pid: process.pid,
      members,
      commitIndex: s.commit,
      appliedIndex: sm.appliedIndex,
      lastIndex: s.lastIndex,
      firstIndex: s.firstIndex,
      flags: formatFlags(driver.currentFlags()),
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
      clientUrlOf: (id) => urlOf.get(id) ?? null,
      status,
      metrics: () => metrics.render(),
      // The mechanism counters are cumulative (not reset with the stages): a reader diffs two scrapes.
      stats: () => ({ ...stats.summary(), status: status(), mechanism: counters.snapshot() }),
      resetStats: () => stats.reset(),
      countResponse: (code) => metrics.countResponse(code),
      countOverloaded: () => metrics.overloaded.inc(),
      admin: o.admin
        ? {
            links: (body) => {
              const { to, change } = parseLinkChange(body);
              const unknown = to?.find((id) => !urlOf.has(id) || id === o.id);
              if (unknown !== undefined) throw new Error(`"to" names ${unknown}, which is not a peer of node ${o.id}`);
              transport.setLinks(change, to);
              return transport.links();
            },
            "fsync-delay": (body) => {
              const us = parseFsyncDelayChange(body);
              store.setFsyncDelayUs(us);
              return { us } satisfies FsyncDelayState;
            },
            flags: (body) => {
              const flags = parseFlagsChange(body);
              const asked = performance.now();
              return new Promise<FlagsState>((resolve, reject) =>
                driver.setFlags(flags, (inForce) => {
                  if (inForce === null) return reject(new Error("the node is stopping; the flags did not change"));
                  resolve({ flags: formatFlags(inForce), waitedMs: performance.now() - asked });
                }),
              );
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

/** A write's outcome for the API: a machine that returns nothing (`noop`) applied it. */
function applied(o: ProposalOutcome<ApplyResult | undefined>): ProposalOutcome<ApplyResult> {
  return o.ok ? { ok: true, result: o.result ?? { ok: true } } : o;
}
