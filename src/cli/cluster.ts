// `raftlab cluster`: N node processes on loopback, their URLs once a leader is elected, all stopped on
// Ctrl-C / SIGTERM. A node that dies is reported, not hidden.

import { formatFlags } from "../core/flags.ts";
import { LocalCluster } from "../node/local-cluster.ts";
import { command } from "./command.ts";
import { flagsOption, intOption, parseOptions } from "./options.ts";

const CLUSTER_USAGE = `Usage: raftlab cluster [options] [-- node options]

Starts N raftlab nodes as separate processes on 127.0.0.1. Node i serves clients on port P+i-1 and
peers on P+100+i-1. Prints each node's URL and the leader once one is elected; Ctrl-C stops them all.
Peers authenticate with a fresh random secret written to D/cluster-secret; it is also the bearer
token of /admin when the nodes run with --admin. The cluster is described in D/cluster.yaml (members,
flags, secret) and every node starts with 'raftlab node --cluster D/cluster.yaml --id I': the same
file describes the cluster to other tools, or to nodes started by hand.

Options:
  --nodes N         cluster size (default 3)
  --flags COMBO     optimizations: none, all, or flags joined by "+"
                    (batch, pipeline, parallel-append, async-apply); default all
  --base-port P     first client port (default 7001)
  --data-dir D      data directory, one sub-directory per node; created if absent
                    (default: a fresh temporary directory)
  -h, --help        show this help

Anything after "--" is passed to every node, e.g. -- --fsync-delay-us 1000 --net-delay 1
(see 'raftlab node --help').`;

export const clusterCommand = command("cluster", async (argv, io) => {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const nodeArgs = dash < 0 ? [] : argv.slice(dash + 1);
  const { values } = parseOptions({
    args: own,
    options: {
      nodes: { type: "string", default: "3" },
      flags: { type: "string", default: "all" },
      "base-port": { type: "string", default: "7001" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(`${CLUSTER_USAGE}\n`);
    return 0;
  }
  const nodes = intOption("--nodes", values.nodes, 1, 99);
  const basePort = intOption("--base-port", values["base-port"], 1, 65_000);
  const flags = flagsOption(values.flags);
  const cluster = new LocalCluster({
    nodes,
    flags,
    basePort,
    nodeArgs,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    onExit: (id, code, signal) => {
      io.err(`cluster: node ${id} exited (${signal ?? `code ${code}`}); the others keep running\n`);
    },
  });
  io.out(
    `cluster: starting ${nodes} node(s), flags ${formatFlags(flags)}, data in ${cluster.dataDir}, ` +
      `peer secret in ${cluster.secretFile}, cluster file ${cluster.clusterFile}\n`,
  );
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      io.out("cluster: stopping\n");
      void cluster.stop().then(resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  cluster.start();
  try {
    const leader = await cluster.waitForLeader(15_000);
    for (const id of cluster.ids) {
      io.out(`node ${id}: ${cluster.clientUrl(id)}${id === leader ? "  (leader)" : ""}\n`);
    }
    io.out(`leader: node ${leader} at ${cluster.clientUrl(leader)} — Ctrl-C to stop\n`);
  } catch (err) {
    io.err(`cluster: ${(err as Error).message}\n`);
    await cluster.stop();
    return 1;
  }
  await stopped;
  return 0;
});
