// Where a chaos run happens. A local stage starts a fresh cluster of node processes for the run and
// takes every fault: kills and pauses by signal, link faults through /admin. A remote stage is a
// cluster that runs elsewhere (`chaos --target FILE`): only link faults reach it, so the process lane
// is skipped and the run says so; its nodes are switched to the run's combination through
// /admin/flags, and its links are cleared again however the run ends.

import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Flags } from "../core/flags.ts";
import type { ClusterView } from "../node/cluster-view.ts";
import { LocalCluster } from "../node/local-cluster.ts";
import { reserveBasePort } from "../node/ports.ts";
import { type ClusterAccess, RemoteCluster } from "../node/remote-cluster.ts";
import { ClusterTarget, type NodeCrash } from "./cluster-target.ts";
import type { Lane, NetworkTarget } from "./faults.ts";
import { LinkTarget } from "./link-target.ts";

export interface Stage {
  readonly view: ClusterView;
  readonly target: NetworkTarget;
  /** The fault lanes the target takes. */
  readonly lanes: readonly Lane[];
  /** What the run cannot do here and why, for the summary; null when nothing is skipped. */
  readonly skipped: string | null;
  /** Nodes that exited on their own (only a local stage sees them). */
  readonly crashes: readonly NodeCrash[];
  /** Resolves once every node answers and a leader is agreed. */
  ready(): Promise<void>;
  /** Undoes every fault still in force. */
  healAll(): Promise<void>;
  /** Lets the cluster go: a local one is stopped, a remote one left healed. */
  close(): Promise<void>;
}

/** The settings of a local stage's nodes. */
export interface LocalStageOptions {
  readonly nodes: number;
  readonly flags: Flags;
  readonly seed: number;
  readonly snapshotEvery: number;
  readonly requestTimeoutMs: number;
}

/** What a remote stage cannot do. */
export const REMOTE_SKIPS = "process faults (kills and pauses): the nodes are not processes of this machine";

/** How long a stage waits for its nodes and their leader. */
const READY_TIMEOUT_MS = 20_000;
/** How long the nodes get to exit on SIGTERM at the end before SIGKILL. */
const STOP_GRACE_MS = 500;

/** A fresh cluster with `--admin` in DIR/data, its nodes' output in DIR/logs/node-N.log. */
export async function localStage(o: LocalStageOptions, dir: string, nowMs: () => number): Promise<Stage> {
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const ports = await reserveBasePort(o.nodes);
  const cluster = new LocalCluster({
    nodes: o.nodes,
    flags: o.flags,
    basePort: ports.base,
    dataDir: path.join(dir, "data"),
    nodeArgs: [
      "--admin",
      "--snapshot-every",
      String(o.snapshotEvery),
      "--request-timeout-ms",
      String(Math.max(1, o.requestTimeoutMs - 300)),
      "--seed",
      String(o.seed),
    ],
    stdio: "ignore",
    command: (id, argv) => appendOutputTo(path.join(dir, "logs", `node-${id}.log`), argv),
    // Called only once the nodes run, by when `hands` exists.
    onExit: (id, code, signal) => hands.onExit(id, code, signal),
  });
  const hands = new ClusterTarget(cluster, nowMs);
  return {
    view: cluster,
    target: hands,
    lanes: ["process", "network", "operations"],
    skipped: null,
    crashes: hands.crashes,
    async ready() {
      cluster.start();
      await cluster.waitForLeader(READY_TIMEOUT_MS);
      await waitForEveryNode(cluster, READY_TIMEOUT_MS, (id) => ` (see logs/node-${id}.log)`);
    },
    healAll: () => hands.healAll(),
    async close() {
      // Everything worth keeping is on disk already (fsync'd or lost, as after any crash).
      await cluster.stop(STOP_GRACE_MS);
      ports.release();
    },
  };
}

/** The running cluster of a cluster file, switched to `flags`. */
export function remoteStage(access: ClusterAccess, flags: Flags): Stage {
  const cluster = new RemoteCluster(access);
  const hands = new LinkTarget(cluster);
  /** Whether the nodes took our token: before that no fault can have been applied. */
  let admitted = false;
  return {
    view: cluster,
    target: hands,
    lanes: ["network", "operations"],
    skipped: REMOTE_SKIPS,
    crashes: [],
    async ready() {
      await cluster.switchFlags(flags);
      admitted = true;
      await waitForEveryNode(cluster, READY_TIMEOUT_MS, () => "");
      await cluster.waitForLeader(READY_TIMEOUT_MS);
    },
    healAll: () => hands.clearLinks(),
    async close() {
      // A run that stopped early must not leave the cluster cut: best effort, the run's outcome stands.
      if (admitted) await hands.clearLinks(5000).catch(() => {});
    },
  };
}

/** Resolves once every node answers /status: a run must not start with a member missing. */
async function waitForEveryNode(cluster: ClusterView, timeoutMs: number, hint: (id: number) => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    const silent = cluster.ids.filter((_, i) => statuses[i] === null);
    if (silent.length === 0) return;
    if (performance.now() > deadline)
      throw new Error(`node ${silent.join(", ")} did not answer within ${timeoutMs} ms${hint(silent[0]!)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A node's command line with its stdout and stderr appended to `file`: the shell replaces itself with
 * the node (same pid, so signals reach the node), and the log survives a kill -9 for the failure report.
 */
function appendOutputTo(file: string, argv: readonly string[]): readonly string[] {
  const quoted = `'${file.replace(/'/g, `'\\''`)}'`;
  return ["sh", "-c", `exec "$0" "$@" >>${quoted} 2>&1`, ...argv];
}
