// A cluster of node processes on loopback: node i serves clients on basePort+i-1 and peers on
// basePort+100+i-1, each in its own data directory. Used by `raftlab cluster`, the bench runner and the
// multi-process tests. Children are tied to this process by an IPC channel and exit when it goes away.
// Peers authenticate: each cluster gets a fresh random secret in its data directory (it is also the
// nodes' /admin bearer token). The cluster is described by a cluster file in the data directory
// (cluster.yaml: members, flags, secret), and every node starts from it with `--cluster FILE --id N`,
// as a node on another host would. A node added to the running cluster (`addNode`) starts with
// `--join` from a file of its own, join-N.yaml, which lists the members it can reach and itself:
// cluster.yaml keeps naming the initial configuration, the one a node with an empty log starts in.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Flags } from "../core/flags.ts";
import { waitForAgreedLeader } from "./agreed-leader.ts";
import { NodeClient, type NodeClientOptions } from "./api-client.ts";
import type { NodeStatus } from "./api-types.ts";
import { clientUrlOf, formatClusterFile, type MemberAddress, parseClusterFile } from "./cluster-file.ts";
import type { ClusterView } from "./cluster-view.ts";
import { reserveMemberPorts } from "./ports.ts";
import { readSecretFile, writeNewSecretFile } from "./secret-file.ts";

const BIN = fileURLToPath(new URL("../../bin/raftlab.js", import.meta.url));

/**
 * The script a node process runs: bin/raftlab.js (the sources, through tsx), or with
 * RAFTLAB_NODE_BUILD=DIR the compiled `src/cli/main.js` there, which starts on about half the CPU
 * with no loader thread and no esbuild child. The test suite builds one for the hundreds of nodes
 * it starts (test/support/build.ts).
 */
export function nodeEntry(): string {
  const dir = process.env.RAFTLAB_NODE_BUILD;
  if (!dir) return BIN;
  const main = path.resolve(dir, "src", "cli", "main.js");
  if (!existsSync(main))
    throw new Error(
      `RAFTLAB_NODE_BUILD=${dir} holds no src/cli/main.js: compile with 'tsc -p tsconfig.build.json --outDir ${dir}', or unset it`,
    );
  return main;
}

export interface LocalClusterOptions {
  readonly nodes: number;
  readonly flags: Flags;
  readonly basePort: number;
  /** Created if absent; one sub-directory per node. Default: a fresh temporary directory. */
  readonly dataDir?: string;
  /** Extra `raftlab node` options given to every node (e.g. `--fsync-delay-us 1000`). */
  readonly nodeArgs?: readonly string[];
  /** Run the nodes without a secret: the peer port is then open to every local process. */
  readonly insecure?: boolean;
  /** Where node output goes: inherited (the terminal), ignored, or kept for `output(id)`. */
  readonly stdio?: "inherit" | "ignore" | "keep";
  /**
   * Rewrites node `id`'s command line (`[node, raftlab.js, "node", ...options]`) before it is spawned:
   * e.g. runs it under a profiler, or adds options for that node only.
   */
  command?(id: number, argv: readonly string[]): readonly string[];
  /** The tokens (and deadline) of `client(id)`: those the nodes were started with in `nodeArgs`. */
  readonly clientOptions?: NodeClientOptions;
  /** Called when a node process exits while the cluster is not stopping. */
  onExit?(id: number, code: number | null, signal: NodeJS.Signals | null): void;
}

/** A joining node's own cluster file in the data directory. */
const JOIN_FILE = /^join-(\d+)\.yaml$/;

export class LocalCluster implements ClusterView {
  readonly dataDir: string;
  /** The file holding the cluster's secret (null with `insecure`). */
  readonly secretFile: string | null;
  /** The cluster file every node starts from (docs/DESIGN.md "The cluster file"). */
  readonly clusterFile: string;
  private readonly secret: string | null;
  private readonly procs = new Map<number, ChildProcess>();
  /** With `stdio: "keep"`: what each node wrote, across its restarts (the last 64 KiB). */
  private readonly outputs = new Map<number, string>();
  /** Nodes 1..size: the initial members, then those added (joined). */
  private size: number;
  private readonly joined = new Set<number>();
  private stopping = false;
  /** Releases of the ports of nodes added to the running cluster (addNode), undone by stop(). */
  private readonly addedPorts: (() => void)[] = [];

  /**
   * The cluster of `dataDir`, which another process started (`raftlab cluster --data-dir`): its
   * cluster file, secret and joined nodes are read, not written. Only the nodes this object starts
   * (addNode) are its own.
   */
  static existing(
    dataDir: string,
    o: Omit<LocalClusterOptions, "nodes" | "flags" | "basePort" | "dataDir">,
  ): LocalCluster {
    const file = path.join(dataDir, "cluster.yaml");
    if (!existsSync(file))
      throw new Error(`${dataDir} holds no cluster.yaml: start the cluster with --data-dir ${dataDir}`);
    const spec = parseClusterFile(readFileSync(file, "utf8"), file);
    const basePort = spec.member(1).clientPort;
    const flags = spec.flags;
    if (flags === null) throw new Error(`${file} names no flags: it was not written by raftlab cluster`);
    const secret = spec.secretFile === null ? null : readSecretFile(spec.secretFile);
    const cluster = new LocalCluster({ ...o, nodes: spec.nodes.length, flags, basePort, dataDir }, secret);
    const stray = spec.nodes.find((n) => JSON.stringify(n) !== JSON.stringify(cluster.address(n.id)));
    if (stray)
      throw new Error(
        `${file}: node ${stray.id} is not where raftlab cluster puts it (127.0.0.1, base port ${basePort})`,
      );
    for (const name of readdirSync(dataDir)) {
      const m = JOIN_FILE.exec(name);
      if (m) cluster.joined.add(Number(m[1]));
    }
    cluster.size = Math.max(cluster.size, ...cluster.joined);
    return cluster;
  }

  /** `reused`: the secret of an existing cluster (LocalCluster.existing), whose files stay as they are. */
  constructor(
    readonly o: LocalClusterOptions,
    reused?: string | null,
  ) {
    if (!Number.isInteger(o.nodes) || o.nodes < 1)
      throw new Error(`--nodes must be a positive integer, got ${o.nodes}`);
    if (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + 100 + o.nodes > 65535) {
      throw new Error(`--base-port must leave room for ports up to base+100+nodes below 65536, got ${o.basePort}`);
    }
    this.size = o.nodes;
    this.dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), "raftlab-cluster-"));
    mkdirSync(this.dataDir, { recursive: true });
    this.clusterFile = path.join(this.dataDir, "cluster.yaml");
    if (reused !== undefined) {
      this.secretFile = reused === null ? null : path.join(this.dataDir, "cluster-secret");
      this.secret = reused;
      return;
    }
    this.secretFile = o.insecure ? null : path.join(this.dataDir, "cluster-secret");
    this.secret = this.secretFile === null ? null : writeNewSecretFile(this.secretFile);
    this.writeClusterFile(this.clusterFile, this.ids);
  }

  /** Nodes 1..N: the initial members, then those added. */
  get ids(): number[] {
    return Array.from({ length: this.size }, (_, i) => i + 1);
  }

  /** Where node `id` listens. */
  address(id: number): MemberAddress {
    return { id, host: "127.0.0.1", clientPort: this.o.basePort + id - 1, peerPort: this.o.basePort + 100 + id - 1 };
  }

  private writeClusterFile(file: string, ids: readonly number[]): void {
    // The secret is named relative to the file, so the data directory can move as a whole.
    const secretFile = this.secretFile === null ? null : path.basename(this.secretFile);
    writeFileSync(
      file,
      formatClusterFile({ nodes: ids.map((id) => this.address(id)), flags: this.o.flags, secretFile }),
    );
  }

  private joinFile(id: number): string {
    return path.join(this.dataDir, `join-${id}.yaml`);
  }

  /**
   * Starts the next node (id N+1, ports after the others') joining the running cluster: no
   * configuration of its own until the leader adds it (admitMember, or POST /admin/members).
   * Returns its id.
   */
  addNode(): number {
    const id = this.size + 1;
    if (this.o.basePort + 100 + id - 1 > 65535)
      throw new Error(`no ports left for node ${id} above --base-port ${this.o.basePort}`);
    // Beyond the block reserved for the cluster's first members: lock this node's ports too, so that
    // no other cluster (another test worker, a bench) is given them meanwhile.
    const release = reserveMemberPorts(this.o.basePort, id);
    if (release === null) throw new Error(`node ${id}'s ports (${this.o.basePort + id - 1}, +100) are taken`);
    this.addedPorts.push(release);
    this.writeClusterFile(this.joinFile(id), [...this.ids, id]);
    this.joined.add(id);
    this.size = id;
    this.startNode(id);
    return id;
  }

  clientUrl(id: number): string {
    return clientUrlOf(this.address(id));
  }

  nodeDir(id: number): string {
    return path.join(this.dataDir, `node-${id}`);
  }

  /** What node `id` wrote to stdout and stderr (with `stdio: "keep"`; empty otherwise). */
  output(id: number): string {
    return this.outputs.get(id) ?? "";
  }

  pid(id: number): number | undefined {
    return this.procs.get(id)?.pid;
  }

  isRunning(id: number): boolean {
    return this.procs.has(id);
  }

  /** Starts every node (each that is not running). */
  start(): void {
    for (const id of this.ids) if (!this.procs.has(id)) this.startNode(id);
  }

  /** Starts node `id`; `extraArgs` go after the cluster's `nodeArgs` for this start only (e.g. a failpoint). */
  startNode(id: number, extraArgs: readonly string[] = []): void {
    if (this.procs.has(id)) throw new Error(`node ${id} is already running`);
    const joining = this.joined.has(id);
    const args = [
      nodeEntry(),
      "node",
      "--cluster",
      joining ? this.joinFile(id) : this.clusterFile,
      ...(joining ? ["--join"] : []),
      "--id",
      String(id),
      "--data-dir",
      this.nodeDir(id),
      "--exit-with-parent",
      ...(this.o.nodeArgs ?? []),
      ...extraArgs,
    ];
    const stdio = this.o.stdio === "keep" ? "pipe" : (this.o.stdio ?? "inherit");
    const argv = this.o.command?.(id, [process.execPath, ...args]) ?? [process.execPath, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", stdio, stdio, "ipc"] });
    const keep = (chunk: Buffer): void => {
      this.outputs.set(id, ((this.outputs.get(id) ?? "") + chunk.toString()).slice(-65536));
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.procs.set(id, child);
    child.on("exit", (code, signal) => {
      if (this.procs.get(id) === child) this.procs.delete(id);
      if (!this.stopping) this.o.onExit?.(id, code, signal);
    });
  }

  /** Sends a signal to node `id` (SIGKILL for a crash, SIGSTOP/SIGCONT for a pause). */
  signal(id: number, sig: NodeJS.Signals): void {
    this.procs.get(id)?.kill(sig);
  }

  /** Kills node `id` with SIGKILL and resolves once it is gone. */
  async kill(id: number): Promise<void> {
    const child = this.procs.get(id);
    if (!child) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await gone;
  }

  /** A client of node `id`'s HTTP API. */
  client(id: number): NodeClient {
    return new NodeClient(this.clientUrl(id), { adminToken: this.secret, ...this.o.clientOptions });
  }

  /** Node `id`'s status, or null when it does not answer within `timeoutMs`. */
  async status(id: number, timeoutMs = 1000): Promise<NodeStatus | null> {
    return this.client(id)
      .status({ timeoutMs })
      .catch(() => null);
  }

  /**
   * Waits until the running nodes agree on one leader of the highest term seen and it reports itself
   * leader; returns its id. Rejects after `timeoutMs`.
   */
  waitForLeader(timeoutMs = 10_000, among: readonly number[] = this.ids): Promise<number> {
    const running = (): Map<number, NodeClient> =>
      new Map(among.filter((id) => this.isRunning(id)).map((id) => [id, this.client(id)]));
    return waitForAgreedLeader(running, among.length, timeoutMs);
  }

  /**
   * Stops every node: SIGINT (at once: with the whole cluster going, a leader has nobody to hand
   * over to), then SIGKILL for any still alive after `graceMs`.
   */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    const children = [...this.procs.values()];
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGCONT");
            child.kill("SIGINT");
          }),
      ),
    );
    this.procs.clear();
    for (const release of this.addedPorts.splice(0)) release();
  }
}
