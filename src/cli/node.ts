// `raftlab node`: runs one Raft key-value node in this process.

import { hostname } from "node:os";
import { MAX_FSYNC_DELAY_US } from "../api/admin-fsync-delay.ts";
import { DEFAULT_LIMITS, MAX_VALUE_BYTES } from "../api/http-api.ts";
import { DEFAULTS, KNOB_NAMES, KNOB_OPTIONS, type Knobs } from "../core/config.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import {
  clusterFromDns,
  DEFAULT_CLIENT_PORT,
  DEFAULT_PEER_PORT,
  DnsClusterError,
  parseDnsClusterName,
} from "../node/cluster-from-dns.ts";
import { FAILPOINTS, FailpointError, type FailpointSpec, parseFailpoint } from "../node/failpoints.ts";
import { MAX_KEY_BYTES } from "../node/kv-command.ts";
import { defaultClockDriftMs, READ_MODES, readSettings } from "../node/read-mode.ts";
import { STATE_MACHINE_KINDS } from "../node/state-machines.ts";
import type { NodeOptions, PeerAddress } from "../server/raft-node.ts";
import { STORAGE_MODES } from "../storage/file-store.ts";
import { MAX_LINK_DELAY_MS } from "../transport/link-shaper.ts";
import {
  asUsage,
  clusterFileOption,
  clusterSecretOption,
  isLoopbackHost,
  secretFileOption,
} from "./cluster-file-option.ts";
import { command } from "./command.ts";
import { choiceOption, flagsOption, intOption, numberOption, parseOptions, UsageError } from "./options.ts";

export const NODE_USAGE = `Usage: raftlab node --id I --peers LIST --data-dir D [options]
       raftlab node --cluster FILE --id I [--data-dir D] [options]
       raftlab node --cluster-from-dns DOMAIN:N [--pod-name NAME] [options]

Runs one raftlab node: a durable Raft key-value store serving the client HTTP API.

Required:
  --id I                  this node's id (1-based)
  --peers LIST            every member, this node included: ID=HOST:CLIENT_PORT:PEER_PORT,...
                          e.g. 1=127.0.0.1:7001:7101,2=127.0.0.1:7002:7102,3=127.0.0.1:7003:7103
  --data-dir D            this node's data directory (created if absent)
or:
  --cluster FILE          the cluster file (YAML), instead of --peers, --flags and --secret-file:
                            nodes:
                              - { id: 1, client: "http://10.77.0.11:7001", peer: "ws://10.77.0.11:7101" }
                              - { id: 2, client: "http://10.77.0.12:7001", peer: "ws://10.77.0.12:7101" }
                            flags: all                  # optional, the starting combination
                            secretFile: cluster.secret  # optional, relative to FILE
                          node I listens on its entry's addresses and knows its peers from the
                          others; --data-dir defaults to ./raftlab-node-I
or:
  --cluster-from-dns DOMAIN:N
                          the members are a StatefulSet's pods behind a headless Service: SET-0 ...
                          SET-(N-1) under DOMAIN (e.g. raftlab.default.svc.cluster.local:3). This
                          pod's name SET-K (--pod-name, default the host name) makes it node K+1.
                          Every node listens on --client-port and --peer-port of --host (default
                          0.0.0.0); --data-dir defaults to ./raftlab-node-(K+1)
  --pod-name NAME         this pod's name, SET-ORDINAL (default: the host name)
  --client-port N         client port of every member (default 7001; with --cluster-from-dns)
  --peer-port N           peer port of every member (default 7101; with --cluster-from-dns)
  --join                  join a running cluster: start with no configuration (the members given
                          are only addresses to reach) and wait for the leader to add this node
                          (POST /admin/members); it votes and campaigns only once it is a voter.
                          A node whose data directory holds a configuration recovers that instead

Options:
  --flags COMBO           none, all, or batch/pipeline/parallel-append/async-apply joined by "+" (default all)
  --host H                address to bind (default 127.0.0.1; with --cluster, this node's host in FILE;
                          with --cluster-from-dns, 0.0.0.0)
  --cluster-id NAME       peers must present the same id (default raftlab)
  --secret-file FILE      the cluster's shared secret (the same file on every node; also
                          RAFTLAB_SECRET_FILE): peers must prove they hold it to connect, and it is
                          the /admin bearer token unless --admin-token is given. Make one with
                          'openssl rand -hex 32 > FILE'. Without it the peer port is open to every
                          local process (anyone who can reach it can join as a peer, change terms and
                          commit entries); 'raftlab cluster' makes one per cluster
  --insecure              allow a non-loopback --host without --secret-file (no peer authentication)
  --tick-ms N             milliseconds per Raft tick (default 15)
  --election-ticks N      election timeout in ticks, randomized up to 2N (default 10: 150-300 ms)
  --heartbeat-ticks N     heartbeat interval in ticks (default 1)
  --no-pre-vote           disable PreVote
  --no-check-quorum       disable CheckQuorum (leader step-down without a majority)
  --read-mode MODE        readindex (default): each linearizable read is confirmed by a heartbeat
                          round; lease: the leader answers at once while a majority echoed a
                          heartbeat it sent less than a lease ago ((election-ticks − 1) ticks less
                          --max-clock-drift-ms), else as readindex. Needs CheckQuorum
  --max-clock-drift-ms N  how far a follower's clock may run ahead of the leader's over an election
                          timeout; lease reads are safe within it (default: a tenth of the
                          election timeout)
  --fsync-delay-us N      add N microseconds to every fsync (emulates a real SSD; default 0)
  --apply-cost-us N       time each applied command holds the applying thread, µs: mostly
                          waiting, like a synchronous storage write (default 0)
  --state-machine KIND    what committed entries are applied to: kv (default), the key-value map;
                          noop, nothing (to measure replication alone: PUT and DELETE are answered
                          once committed, GET and cas get 501 {"code":"unsupported"})
  --snapshot-every N      compact the log every N applied entries (default 100000, as etcd)
  --max-value-bytes N     largest value accepted (default 1048576, at most ${MAX_VALUE_BYTES} = 16 MiB:
                          a value travels to followers in one AppendEntries frame)
  --max-key-bytes N       largest key accepted (default 1024, at most ${MAX_KEY_BYTES})
  --request-timeout-ms N  answer 503 "timeout" after waiting this long for commit (default 5000)
  --max-inflight-requests N
                          key-value requests (/kv, /cas) in flight beyond N are answered 503
                          "overloaded" at once (default 1024)
  --net-delay MS          one-way delay added to every outgoing peer message (0-60000, default 0)
  --net-jitter MS         delay varies uniformly by +/- this much (0-60000, default 0)
  --net-loss P            drop outgoing peer messages with probability P in [0,1] (default 0)
  --admin                 serve /admin/links (link shaping at run time), /admin/flags
                          (POST {"flags":"batch+pipeline"} switches the combination live),
                          /admin/fsync-delay (POST {"us":5000} changes --fsync-delay-us) and
                          /admin/transfer-leader (POST {"to":2}, or {} for the most up-to-date
                          follower: answers once that node leads) and /admin/members (GET lists the
                          members; POST {"op":"add-learner","id":4,"client":URL,"peer":URL},
                          {"op":"promote","id":4} or {"op":"remove","id":2} changes them, answering
                          once the change is committed); it requires
                          'Authorization: Bearer <admin token>', the admin token being --admin-token
                          or else the secret of --secret-file. With neither, --admin is refused on a
                          non-loopback --host or with --client-token, and is open on loopback
  --admin-token T         bearer token for /admin (instead of the secret)
  --client-token T        bearer token required on the client API (not accepted on /admin)
  --seed N                seed for election timeouts and link shaping (default 1)
  --exit-with-parent      exit when the parent process goes away (used by 'raftlab cluster')
  -h, --help              show this help

Signals: SIGTERM exits gracefully (a leader first hands leadership to its most up-to-date follower,
so a rolling restart costs no election timeout); SIGINT exits at once.

Replication knobs (a flag that is off still forces its own value: batch off sends one entry per
AppendEntries, pipeline off keeps one AppendEntries in flight):
  --max-inflight N        pipeline: most AppendEntries in flight per follower (default ${DEFAULTS.maxInflight})
  --max-inflight-bytes N  pipeline: most payload bytes in flight per follower, 0 = no limit
                          (default ${DEFAULTS.maxInflightBytes})
  --max-batch-entries N   batch: most entries in one AppendEntries (default ${DEFAULTS.maxBatchEntries})
  --max-batch-bytes N     batch: most payload bytes in one AppendEntries; a larger entry still goes
                          alone (default ${DEFAULTS.maxBatchBytes})
  --max-apply-bytes N     most payload bytes of committed entries in one apply batch; a larger entry
                          still goes alone (default ${DEFAULTS.maxApplyBytes})

Crash testing:
  --storage-mode MODE     direct (default): log records are written to the file at once, so a
                          kill -9 loses nothing the process wrote (the page cache survives it);
                          buffered: log records stay in memory until an fsync writes and syncs
                          them, so a kill -9 loses every unsynced write, as a power loss would
  --failpoint NAME[:N]    kill this process with SIGKILL the N-th time (default 1) it reaches NAME;
                          also RAFTLAB_FAILPOINT=NAME[:N]. Never for production. Points:
${Object.entries(FAILPOINTS)
  .map(([name, where]) => `    ${name.padEnd(24)}${where}`)
  .join("\n")}`;

/** The membership and its settings, from --cluster FILE or from --peers, --flags and --secret-file. */
interface Membership {
  readonly id: number;
  readonly peers: readonly PeerAddress[];
  readonly flags: Flags;
  readonly secret: string | null;
  readonly host: string;
  readonly dataDir: string;
}

/** The settings a cluster file takes over; giving them on the command line as well is a mistake. */
const CLUSTER_FILE_SETS = ["peers", "flags", "secret-file"] as const;

function membership(v: Record<string, string | boolean | undefined>): Membership {
  const text = (name: string): string | undefined => v[name] as string | undefined;
  const dnsName = text("cluster-from-dns");
  const dnsOnly = DNS_ONLY.find((name) => v[name] !== undefined);
  if (dnsOnly && dnsName === undefined) throw new UsageError(`--${dnsOnly} goes with --cluster-from-dns`);
  if (dnsName !== undefined) {
    const twice = ["cluster", "peers", "id"].find((name) => v[name] !== undefined);
    if (twice) throw new UsageError(`--${twice} conflicts with --cluster-from-dns: the DNS names set the members`);
    return fromDns(dnsName, v);
  }
  if (!v.id) throw new UsageError("--id is required");
  const id = intOption("--id", text("id"), 1, 1_000_000);
  const file = text("cluster");
  if (file !== undefined) {
    const twice = CLUSTER_FILE_SETS.find((name) => v[name] !== undefined);
    if (twice) throw new UsageError(`--${twice} conflicts with --cluster: the cluster file sets it`);
    return fromClusterFile(id, file, text("host"), text("data-dir"));
  }
  const peersText = text("peers");
  if (!peersText) throw new UsageError("--peers (or --cluster FILE) is required");
  const dataDir = text("data-dir");
  if (!dataDir) throw new UsageError("--data-dir is required");
  const peers = parsePeers(peersText);
  if (!peers.some((p) => p.id === id)) throw new UsageError(`--peers must include this node (id ${id})`);
  return {
    id,
    peers,
    flags: flagsOption(text("flags") ?? "all"),
    secret: secretFileOption("--secret-file", text("secret-file") ?? process.env.RAFTLAB_SECRET_FILE),
    host: text("host") ?? "127.0.0.1",
    dataDir,
  };
}

/** Node `id` of the cluster file: its own entry's host, the file's flags and secret. */
function fromClusterFile(id: number, file: string, host?: string, dataDir?: string): Membership {
  const spec = clusterFileOption("--cluster", file);
  const self = asUsage("--cluster", () => spec.member(id));
  return {
    id,
    peers: spec.nodes,
    flags: spec.flags ?? flagsOption("all"),
    secret:
      clusterSecretOption("--cluster", spec) ??
      secretFileOption("RAFTLAB_SECRET_FILE", process.env.RAFTLAB_SECRET_FILE),
    host: host ?? self.host,
    dataDir: dataDir ?? `raftlab-node-${id}`,
  };
}

/** The options only --cluster-from-dns reads. */
const DNS_ONLY = ["pod-name", "client-port", "peer-port"] as const;

/** This pod's node among the StatefulSet's members named by --cluster-from-dns. */
function fromDns(dnsName: string, v: Record<string, string | boolean | undefined>): Membership {
  const text = (name: string): string | undefined => v[name] as string | undefined;
  const { id, nodes } = asDnsUsage(() =>
    clusterFromDns(parseDnsClusterName(dnsName), text("pod-name") ?? hostname(), {
      clientPort: intOption("--client-port", text("client-port") ?? String(DEFAULT_CLIENT_PORT), 1, 65535),
      peerPort: intOption("--peer-port", text("peer-port") ?? String(DEFAULT_PEER_PORT), 1, 65535),
    }),
  );
  return {
    id,
    peers: nodes,
    flags: flagsOption(text("flags") ?? "all"),
    secret: secretFileOption("--secret-file", text("secret-file") ?? process.env.RAFTLAB_SECRET_FILE),
    host: text("host") ?? "0.0.0.0",
    dataDir: text("data-dir") ?? `raftlab-node-${id}`,
  };
}

function asDnsUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof DnsClusterError) throw new UsageError(`--cluster-from-dns: ${err.message}`);
    throw err;
  }
}

function parsePeers(text: string): PeerAddress[] {
  const peers = text.split(",").map((part) => {
    const m = /^(\d+)=([^:]+|\[[^\]]+\]):(\d+):(\d+)$/.exec(part.trim());
    if (!m) throw new UsageError(`--peers: "${part}" is not ID=HOST:CLIENT_PORT:PEER_PORT`);
    const port = (s: string): number => intOption(`--peers port in "${part}"`, s, 1, 65535);
    return { id: Number(m[1]), host: m[2]!, clientPort: port(m[3]!), peerPort: port(m[4]!) };
  });
  const ids = new Set(peers.map((p) => p.id));
  if (ids.size !== peers.length) throw new UsageError("--peers names the same id twice");
  if (peers.some((p) => p.id < 1)) throw new UsageError("--peers ids start at 1");
  return peers;
}

export function parseNodeOptions(argv: string[]): NodeOptions | "help" {
  const { values } = parseOptions({
    args: argv,
    options: {
      id: { type: "string" },
      cluster: { type: "string" },
      "cluster-from-dns": { type: "string" },
      "pod-name": { type: "string" },
      "client-port": { type: "string" },
      "peer-port": { type: "string" },
      peers: { type: "string" },
      join: { type: "boolean" },
      "data-dir": { type: "string" },
      // No defaults for what a cluster file may set: membership() tells a given option from an absent one.
      flags: { type: "string" },
      host: { type: "string" },
      "cluster-id": { type: "string", default: "raftlab" },
      "secret-file": { type: "string" },
      insecure: { type: "boolean" },
      "tick-ms": { type: "string", default: "15" },
      "election-ticks": { type: "string", default: "10" },
      "heartbeat-ticks": { type: "string", default: "1" },
      "no-pre-vote": { type: "boolean" },
      "no-check-quorum": { type: "boolean" },
      "read-mode": { type: "string", default: "readindex" },
      "max-clock-drift-ms": { type: "string" },
      "fsync-delay-us": { type: "string", default: "0" },
      "apply-cost-us": { type: "string", default: "0" },
      "state-machine": { type: "string", default: "kv" },
      // Taking a snapshot serializes the whole map on the main thread: at 10,000, a sweep's fresh-key
      // load paid for one about every second (3 nodes, 128 connections, same run: p99 68–101 ms and
      // 8.5–10.2k ops/s, against 24–29 ms and 10.9–13.0k at 100,000).
      "snapshot-every": { type: "string", default: "100000" },
      ...knobOptionSpecs(),
      "max-value-bytes": { type: "string", default: String(DEFAULT_LIMITS.maxValueBytes) },
      "max-key-bytes": { type: "string", default: String(DEFAULT_LIMITS.maxKeyBytes) },
      "request-timeout-ms": { type: "string", default: String(DEFAULT_LIMITS.requestTimeoutMs) },
      "max-inflight-requests": { type: "string", default: String(DEFAULT_LIMITS.maxInflightRequests) },
      "net-delay": { type: "string", default: "0" },
      "net-jitter": { type: "string", default: "0" },
      "net-loss": { type: "string", default: "0" },
      admin: { type: "boolean" },
      "admin-token": { type: "string" },
      "client-token": { type: "string" },
      seed: { type: "string", default: "1" },
      "exit-with-parent": { type: "boolean" },
      "storage-mode": { type: "string", default: "direct" },
      failpoint: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const { id, peers, flags, secret, host, dataDir } = membership(values);
  const loopback = isLoopbackHost(host);
  // Where the secret comes from: the cluster file names it, else --secret-file does.
  const addSecret = values.cluster
    ? `name the secret in the cluster file (secretFile: FILE, the same for every node)`
    : `give every node the same --secret-file FILE`;
  if (secret === null && !loopback && !values.insecure) {
    throw new UsageError(
      `--host ${host} is not a loopback address, so anyone who reaches the peer port could join the ` +
        `cluster: ${addSecret} (make one with 'openssl rand -hex 32 > FILE'), ` +
        `or add --insecure to run without peer authentication`,
    );
  }
  const admin = values.admin ?? false;
  const adminToken = values["admin-token"] ?? secret;
  if (admin && adminToken === null && (!loopback || values["client-token"] !== undefined)) {
    const why = loopback ? "with --client-token" : `on a non-loopback --host (${host})`;
    throw new UsageError(`--admin ${why} needs a token for /admin: ${addSecret}, or add --admin-token T`);
  }
  const storageMode = choiceOption("--storage-mode", values["storage-mode"], STORAGE_MODES);
  const failpoint = failpointOption(values.failpoint ?? process.env.RAFTLAB_FAILPOINT);
  const electionTicks = intOption("--election-ticks", values["election-ticks"], 2, 10_000);
  const tickMs = intOption("--tick-ms", values["tick-ms"], 1, 10_000);
  const readMode = choiceOption("--read-mode", values["read-mode"], READ_MODES);
  if (readMode === "lease" && values["no-check-quorum"])
    throw new UsageError("--read-mode lease needs CheckQuorum: drop --no-check-quorum");
  const maxClockDriftMs =
    values["max-clock-drift-ms"] === undefined
      ? defaultClockDriftMs(tickMs, electionTicks)
      : intOption("--max-clock-drift-ms", values["max-clock-drift-ms"], 0, 3_600_000);
  try {
    readSettings(readMode, tickMs, electionTicks, maxClockDriftMs);
  } catch (err) {
    throw new UsageError(`--max-clock-drift-ms: ${(err as Error).message}`);
  }
  return {
    id,
    peers,
    join: values.join ?? false,
    dataDir,
    flags,
    clusterId: values["cluster-id"],
    secret,
    host,
    tickMs,
    electionTicks,
    heartbeatTicks: intOption("--heartbeat-ticks", values["heartbeat-ticks"], 1, electionTicks - 1),
    preVote: !values["no-pre-vote"],
    checkQuorum: !values["no-check-quorum"],
    readMode,
    maxClockDriftMs,
    fsyncDelayUs: intOption("--fsync-delay-us", values["fsync-delay-us"], 0, MAX_FSYNC_DELAY_US),
    stateMachine: choiceOption("--state-machine", values["state-machine"], STATE_MACHINE_KINDS),
    applyCostUs: intOption("--apply-cost-us", values["apply-cost-us"], 0, 10_000_000),
    snapshotEvery: intOption("--snapshot-every", values["snapshot-every"], 0, 1_000_000_000),
    limits: {
      ...DEFAULT_LIMITS,
      maxValueBytes: maxValueBytesOption(values["max-value-bytes"]),
      maxKeyBytes: intOption("--max-key-bytes", values["max-key-bytes"], 1, MAX_KEY_BYTES),
      requestTimeoutMs: intOption("--request-timeout-ms", values["request-timeout-ms"], 1, 3_600_000),
      maxInflightRequests: intOption("--max-inflight-requests", values["max-inflight-requests"], 1, 1_000_000),
      clientToken: values["client-token"] ?? null,
      adminToken,
    },
    links: {
      delayMs: numberOption("--net-delay", values["net-delay"], 0, MAX_LINK_DELAY_MS),
      jitterMs: numberOption("--net-jitter", values["net-jitter"], 0, MAX_LINK_DELAY_MS),
      lossRate: numberOption("--net-loss", values["net-loss"], 0, 1),
    },
    admin,
    seed: intOption("--seed", values.seed, 0, 2 ** 31 - 1),
    exitWithParent: values["exit-with-parent"] ?? false,
    storageMode,
    failpoint,
    knobs: knobValues(values),
  };
}

function maxValueBytesOption(raw: string | undefined): number {
  const n = intOption("--max-value-bytes", raw, 1, Number.MAX_SAFE_INTEGER);
  if (n > MAX_VALUE_BYTES) {
    throw new UsageError(
      `--max-value-bytes is at most ${MAX_VALUE_BYTES} (16 MiB: a value must fit in one AppendEntries frame to the followers), got ${n}`,
    );
  }
  return n;
}

/** parseArgs specs of the knob options, each defaulting to the core's value. */
function knobOptionSpecs(): Record<string, { type: "string"; default: string }> {
  return Object.fromEntries(
    KNOB_NAMES.map((k) => [KNOB_OPTIONS[k].option.slice(2), { type: "string", default: String(DEFAULTS[k]) }]),
  );
}

function knobValues(values: Record<string, unknown>): Knobs {
  const out = {} as Record<keyof Knobs, number>;
  for (const k of KNOB_NAMES) {
    const { option, min, max } = KNOB_OPTIONS[k];
    out[k] = intOption(option, values[option.slice(2)] as string, min, max);
  }
  return out;
}

function failpointOption(text: string | undefined): FailpointSpec | null {
  if (text === undefined || text === "") return null;
  try {
    return parseFailpoint(text);
  } catch (err) {
    if (err instanceof FailpointError) throw new UsageError(`--failpoint: ${err.message}`);
    throw err;
  }
}

export const nodeCommand = command("node", async (argv, io) => {
  const opts = parseNodeOptions(argv);
  if (opts === "help") {
    io.out(`${NODE_USAGE}\n`);
    return 0;
  }
  // Loaded only now: it loads the native uWS binary, which `--help` must not need.
  const { startNode } = await import("../server/raft-node.ts");
  let node: Awaited<ReturnType<typeof startNode>>;
  try {
    node = await startNode(opts);
  } catch (err) {
    // Exit now: what did start (peer listener, dialers, store) would otherwise keep a node that can
    // serve nothing alive, and a supervisor would never learn that it failed.
    io.err(`raftlab node: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // Listening for the stop signals before saying "started": a supervisor may signal at once.
  // SIGTERM is a graceful exit (a rolling restart, a pod deleted): a leader hands over first.
  // SIGINT (Ctrl-C, a whole local cluster stopping) exits at once.
  const stopped = new Promise<"graceful" | "now">((resolve) => {
    process.once("SIGINT", () => resolve("now"));
    process.once("SIGTERM", () => resolve("graceful"));
    if (opts.exitWithParent) process.once("disconnect", () => resolve("now"));
  });
  const self = opts.peers.find((p) => p.id === opts.id)!;
  io.out(
    `node ${opts.id}: clients on http://${self.host}:${self.clientPort}, peers on ws://${self.host}:${self.peerPort}, ` +
      `flags ${formatFlags(opts.flags)}, data in ${opts.dataDir}, pid ${process.pid}` +
      `${opts.join ? ", joining" : ""}${opts.storageMode === "buffered" ? ", buffered storage" : ""}` +
      `${opts.failpoint ? `, failpoint ${opts.failpoint.name}:${opts.failpoint.hit}` : ""}\n`,
  );
  if ((await stopped) === "graceful") {
    const handedOver = await node.handOver();
    if (handedOver) io.out(`node ${opts.id}: ${handedOver}\n`);
  }
  await node.stop();
  // The store is closed and peers are gone; idle keep-alive client connections must not keep a
  // stopped node alive until they time out.
  process.exit(0);
});
