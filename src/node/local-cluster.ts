// A cluster of node processes on loopback: node i serves clients on basePort+i-1 and peers on
// basePort+100+i-1, each in its own data directory. Used by `raftlab cluster`, the bench runner and the
// multi-process tests. Children are tied to this process by an IPC channel and exit when it goes away.
// Peers authenticate: each cluster gets a fresh random secret in its data directory (it is also the
// nodes' /admin bearer token). The cluster is described by a cluster file in the data directory
// (cluster.yaml: members, flags, secret), and every node starts from it with `--cluster FILE --id N`,
// as a node on another host would.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Flags } from "../core/flags.ts";
import { waitForAgreedLeader } from "./agreed-leader.ts";
import { NodeClient, type NodeClientOptions } from "./api-client.ts";
import type { NodeStatus } from "./api-types.ts";
import { formatClusterFile } from "./cluster-file.ts";
import type { ClusterView } from "./cluster-view.ts";
import { writeNewSecretFile } from "./secret-file.ts";

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
  /** Where node output goes: inherited (the terminal) or ignored. */
  readonly stdio?: "inherit" | "ignore";
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

export class LocalCluster implements ClusterView {
  readonly dataDir: string;
  /** The file holding the cluster's secret (null with `insecure`). */
  readonly secretFile: string | null;
  /** The cluster file every node starts from (docs/DESIGN.md "The cluster file"). */
  readonly clusterFile: string;
  private readonly secret: string | null;
  private readonly procs = new Map<number, ChildProcess>();
  private stopping = false;

  constructor(readonly o: LocalClusterOptions) {
    if (!Number.isInteger(o.nodes) || o.nodes < 1)
      throw new Error(`--nodes must be a positive integer, got ${o.nodes}`);
    if (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + 100 + o.nodes > 65535) {
      throw new Error(`--base-port must leave room for ports up to base+100+nodes below 65536, got ${o.basePort}`);
    }
    this.dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), "raftlab-cluster-"));
    mkdirSync(this.dataDir, { recursive: true });
    this.secretFile = o.insecure ? null : path.join(this.dataDir, "cluster-secret");
    this.secret = this.secretFile === null ? null : writeNewSecretFile(this.secretFile);
    this.clusterFile = path.join(this.dataDir, "cluster.yaml");
    const nodes = this.ids.map((id) => ({
      id,
      host: "127.0.0.1",
      clientPort: o.basePort + id - 1,
      peerPort: o.basePort + 100 + id - 1,
    }));
    // The secret is named relative to the file, so the data directory can move as a whole.
    const secretFile = this.secretFile === null ? null : path.basename(this.secretFile);
    writeFileSync(this.clusterFile, formatClusterFile({ nodes, flags: o.flags, secretFile }));
  }

  get ids(): number[] {
    return Array.from({ length: this.o.nodes }, (_, i) => i + 1);
  }

  clientUrl(id: number): string {
    return `http://127.0.0.1:${this.o.basePort + id - 1}`;
  }

  nodeDir(id: number): string {
    return path.join(this.dataDir, `node-${id}`);
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
    const args = [
      nodeEntry(),
      "node",
      "--cluster",
      this.clusterFile,
      "--id",
      String(id),
      "--data-dir",
      this.nodeDir(id),
      "--exit-with-parent",
      ...(this.o.nodeArgs ?? []),
      ...extraArgs,
    ];
    const stdio = this.o.stdio ?? "inherit";
    const argv = this.o.command?.(id, [process.execPath, ...args]) ?? [process.execPath, ...args];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", stdio, stdio, "ipc"] });
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
    return waitForAgreedLeader(running, this.o.nodes, timeoutMs);
  }

  /** Stops every node: SIGTERM, then SIGKILL for any still alive after `graceMs`. */
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
            child.kill("SIGTERM");
          }),
      ),
    );
    this.procs.clear();
  }
}
