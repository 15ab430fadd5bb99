// The `raftlab` command: one sub-command per job. Errors reach the user as one line, never a stack trace:
// a usage error is answered by the command itself (command.ts, exit 64), anything else here (exit 70).

import { type Command, EXIT_USAGE } from "./command.ts";

const USAGE = `Usage: raftlab <command> [options]

Commands:
  node           run one Raft key-value node
  cluster        run N nodes as local processes
  report         re-render, compare and publish benchmark reports
  check FILE     check a history (JSON Lines) for linearizability
  sim            run the deterministic cluster simulator over seeds and flag combinations
  bench          sweep cluster sizes × flag combinations under load and write a report
  profile        profile the leader of a cluster under load with clinic
  calibrate      measure this machine's primitive costs (fsync, round trip, CPU per write)
  chaos          fault runs on a real cluster, checked for linearizability
  loadgen        a load worker on another host, for 'bench --loadgen'
  whatif         the bench's sweep in the simulator: other networks, disks and CPUs, in seconds

Run 'raftlab <command> --help' for a command's options.`;

const COMMANDS: Record<string, () => Promise<Command>> = {
  node: async () => (await import("./node.ts")).nodeCommand,
  cluster: async () => (await import("./cluster.ts")).clusterCommand,
  check: async () => (await import("./check.ts")).checkCommand,
  report: async () => (await import("./report.ts")).reportCommand,
  sim: async () => (await import("./sim.ts")).simCommand,
  bench: async () => (await import("./bench.ts")).benchCommand,
  profile: async () => (await import("./profile.ts")).profileCommand,
  calibrate: async () => (await import("./calibrate.ts")).calibrateCommand,
  chaos: async () => (await import("./chaos.ts")).chaosCommand,
  loadgen: async () => (await import("./loadgen.ts")).loadgenCommand,
  whatif: async () => (await import("./whatif.ts")).whatifCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`raftlab: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    process.stderr.write(`raftlab ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    // 70 (EX_SOFTWARE), not 1: `check` uses 1 for "not linearizable".
    return 70;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
