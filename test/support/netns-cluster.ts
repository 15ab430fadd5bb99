// A cluster on namespace hosts (netns-hosts.ts): one node per host, each started as an operator
// would on its own machine, `raftlab node --cluster FILE --id N`, from one cluster file naming the
// hosts' addresses and the shared secret. Further hosts stay empty, for the test's own processes.

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseFlags } from "../../src/core/flags.ts";
import { formatClusterFile, parseClusterFile } from "../../src/node/cluster-file.ts";
import { nodeEntry } from "../../src/node/local-cluster.ts";
import { RemoteCluster } from "../../src/node/remote-cluster.ts";
import { writeNewSecretFile } from "../../src/node/secret-file.ts";
import { createNetnsHosts, type NetnsHost, type NetnsHosts } from "./netns-hosts.ts";

export const CLIENT_PORT = 7001;
export const PEER_PORT = 7101;

export interface NetnsCluster {
  readonly net: NetnsHosts;
  /** The hosts beyond the nodes'. */
  readonly spare: readonly NetnsHost[];
  /** The cluster file every node started from; its secret sits beside it. */
  readonly clusterFile: string;
  readonly secret: string;
  readonly cluster: RemoteCluster;
  /** Where the cluster file, the secret and the nodes' data are. */
  readonly dir: string;
  /** Stops the nodes, removes the hosts and the directory. */
  stop(): Promise<void>;
}

/** How long a node gets to exit on SIGINT before SIGKILL. */
const STOP_GRACE_MS = 3000;

export function startNetnsCluster(
  nodes: number,
  o: { readonly spareHosts?: number; readonly nodeArgs?: readonly string[] } = {},
): NetnsCluster {
  const net = createNetnsHosts(nodes + (o.spareHosts ?? 0));
  const dir = mkdtempSync(path.join(tmpdir(), "raftlab-netns-cluster-"));
  const procs: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(procs.map(stopProcess));
    net.teardown();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const clusterFile = path.join(dir, "cluster.yaml");
    const secret = writeNewSecretFile(path.join(dir, "cluster.secret"));
    const members = net.hosts.slice(0, nodes).map((h, i) => ({
      id: i + 1,
      host: h.address,
      clientPort: CLIENT_PORT,
      peerPort: PEER_PORT,
    }));
    const text = formatClusterFile({ nodes: members, flags: parseFlags("all"), secretFile: "cluster.secret" });
    writeFileSync(clusterFile, text);
    const stdio = process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore";
    for (const m of members) {
      const argv = [process.execPath, nodeEntry(), "node", "--cluster", clusterFile, "--id", String(m.id)];
      const options = ["--data-dir", path.join(dir, `node-${m.id}`), "--exit-with-parent", ...(o.nodeArgs ?? [])];
      procs.push(net.spawn(net.hosts[m.id - 1]!, [...argv, ...options], { stdio: ["ignore", stdio, stdio, "ipc"] }));
    }
    return {
      net,
      spare: net.hosts.slice(nodes),
      clusterFile,
      secret,
      cluster: new RemoteCluster({ spec: parseClusterFile(text, clusterFile), adminToken: secret }),
      dir,
      stop,
    };
  } catch (err) {
    void stop();
    throw err;
  }
}

/**
 * SIGINT (the whole cluster goes: no leader should hand over, as SIGTERM would make it), then SIGKILL
 * after the grace; resolves once the process is gone.
 */
function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGINT");
  });
}
