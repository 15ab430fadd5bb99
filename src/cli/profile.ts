// `raftlab profile`: the leader of a local cluster under clinic while load runs (bench/profile.ts).

import path from "node:path";
import { PROFILE_TOOLS, type ProfileTool, runProfile } from "../../bench/profile.ts";
import { command } from "./command.ts";
import { exitOnInterrupt } from "./interrupt.ts";
import { flagsOption, intOption, numberOption, parseOptions, UsageError } from "./options.ts";

const PROFILE_USAGE = `Usage: raftlab profile --tool doctor|flame|bubbleprof [options] [-- node options]

Starts a local cluster with node 1 under clinic (node 1 is made the leader: the others wait much
longer before an election), drives closed-loop PUT load at it, stops it with SIGINT so clinic writes
its report, and writes <out>/<run-id>/index.html linking the clinic HTML.

Options:
  --tool T             clinic tool: doctor, flame or bubbleprof (required)
  --flags COMBO        optimizations, e.g. all, none, batch+pipeline (default all)
  --nodes N            cluster size (default 3)
  --connections C      concurrent connections (default 32)
  --duration S         seconds of load after the warm-up (default 10)
  --warmup S           seconds of load before (default 1)
  --value-size BYTES   value size of each write (default 64)
  --out DIR            reports root (default reports)
  -h, --help           show this help`;

export const profileCommand = command("profile", async (argv, io) => {
  const dash = argv.indexOf("--");
  const { values: v } = parseOptions({
    args: dash < 0 ? argv : argv.slice(0, dash),
    options: {
      tool: { type: "string" },
      flags: { type: "string", default: "all" },
      nodes: { type: "string", default: "3" },
      connections: { type: "string", default: "32" },
      duration: { type: "string", default: "10" },
      warmup: { type: "string", default: "1" },
      "value-size": { type: "string", default: "64" },
      out: { type: "string", default: "reports" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(`${PROFILE_USAGE}\n`);
    return 0;
  }
  if (!PROFILE_TOOLS.includes(v.tool as ProfileTool)) {
    throw new UsageError(`--tool must be one of ${PROFILE_TOOLS.join(", ")}, got "${v.tool ?? ""}"`);
  }
  const flags = flagsOption(v.flags);
  return exitOnInterrupt(async (signal) => {
    const { dir } = await runProfile(
      {
        flags,
        tool: v.tool as ProfileTool,
        nodes: intOption("--nodes", v.nodes, 1, 99),
        connections: intOption("--connections", v.connections, 1, 10_000),
        durationS: numberOption("--duration", v.duration, 0.1, 86_400),
        warmupS: numberOption("--warmup", v.warmup, 0, 86_400),
        valueSize: intOption("--value-size", v["value-size"], 0, 64 << 20),
        out: v.out,
        nodeArgs: dash < 0 ? [] : argv.slice(dash + 1),
      },
      (line) => io.out(`${line}\n`),
      signal,
    );
    io.out(`report: ${path.resolve(dir, "index.html")}\n`);
    return 0;
  });
});
