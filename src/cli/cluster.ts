// `raftlab cluster`: N node processes on loopback, their URLs once a leader is elected, all stopped on
// Ctrl-C / SIGTERM. A node that dies is reported, not hidden. With --add-node, one more node joins a
// cluster that runs already (from another `raftlab cluster --data-dir D`).

import { formatFlags } from "../core/flags.ts";
import { admitMember } from "../node/admit-member.ts";
import { LocalCluster } from "../node/local-cluster.ts";
import { type CommandIo, command } from "./command.ts";
import { flagsOption, intOption, parseOptions, UsageError } from "./options.ts";

const CLUSTER_USAGE = `Usage: raftlab cluster [options] [-- node options]
       raftlab cluster --add-node --data-dir D [--learner] [-- node options]

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
  --add-node        add one node to the cluster running from --data-dir D (its nodes must run with
                    --admin): start node N+1 on the next ports with --join, add it as a learner,
                    and promote it to voter once the leader finds it caught up. The node runs until
                    Ctrl-C, like the cluster's; give it the cluster's node options after "--"
  --learner         with --add-node: leave the new node a learner
  -h, --help        show this help

Anything after "--" is passed to every node, e.g. -- --fsync-delay-us 1000 --net-delay 1
(see 'raftlab node --help'). Members are listed and changed at run time with GET and POST
/admin/members on any node started with -- --admin.`;

/** How long --add-node waits for the node to become a learner and then a voter. */
const ADMIT_TIMEOUT_MS = 120_000;

/** Resolves on Ctrl-C or SIGTERM, once `stop` is done. */
function untilStopped(io: CommandIo, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (): void => {
      io.out("cluster: stopping\n");
      void stop().then(resolve);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}

async function addNode(dataDir: string, learner: boolean, nodeArgs: readonly string[], io: CommandIo): Promise<number> {
  let cluster: LocalCluster;
  try {
    cluster = LocalCluster.existing(dataDir, {
      nodeArgs,
      onExit: (id, code, signal) => io.err(`cluster: node ${id} exited (${signal ?? `code ${code}`})\n`),
    });
  } catch (err) {
    throw new UsageError(`--add-node: ${(err as Error).message}`);
  }
  const members = cluster.ids.map((id) => cluster.client(id));
  const id = cluster.addNode();
  const stopped = untilStopped(io, () => cluster.stop());
  io.out(`cluster: node ${id} joining at ${cluster.clientUrl(id)}, data in ${cluster.nodeDir(id)}\n`);
  try {
    await admitMember(members, cluster.address(id), {
      promote: !learner,
      timeoutMs: ADMIT_TIMEOUT_MS,
      log: (line) => io.out(`cluster: ${line}\n`),
    });
  } catch (err) {
    io.err(`cluster: ${(err as Error).message}\n`);
    await cluster.stop();
    return 1;
  }
  io.out(`cluster: node ${id} is serving at ${cluster.clientUrl(id)} — Ctrl-C to stop it\n`);
  await stopped;
  return 0;
}

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
      "add-node": { type: "boolean" },
      learner: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(`${CLUSTER_USAGE}\n`);
    return 0;
  }
  if (values.learner && !values["add-node"]) throw new UsageError("--learner goes with --add-node");
  if (values["add-node"]) {
    if (!values["data-dir"])
      throw new UsageError("--add-node needs --data-dir D, the data directory of the running cluster");
    const set = own.find((a) => /^--(nodes|flags|base-port)(=|$)/.test(a));
    if (set) throw new UsageError(`${set.split("=")[0]} conflicts with --add-node: the running cluster's file sets it`);
    return addNode(values["data-dir"], values.learner ?? false, nodeArgs, io);
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
  const stopped = untilStopped(io, () => cluster.stop());
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
