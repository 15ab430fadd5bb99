// `raftlab calibrate`: this machine's primitive costs (bench/calibrate/run.ts) into calibration.json,
// the input of each cell's bounds in the bench report.

import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calibrate } from "../../bench/calibrate/run.ts";
import { command } from "./command.ts";
import { exitOnInterrupt } from "./interrupt.ts";
import { choiceOption, intOption, parseOptions, UsageError } from "./options.ts";

const CALIBRATE_USAGE = `Usage: raftlab calibrate [options]

Measures this machine's primitive costs, in under a minute, and writes them as JSON:
  - fsync latency: a log entry of the bench's record size appended and fdatasync'd through the
    node's file store, one after another (p50, p90, p99, mean);
  - peer round trip: an AppendEntries and its answer between two peer transports on loopback;
  - apply: the key-value state machine's CPU per command;
  - CPU per write of a 1-node cluster (the request's cost without replication), and of the leader,
    a follower and the load generator of a 3-node cluster, from short closed-loop runs of the real
    node (flags all, 128 connections), as the bench accounts a cell's CPU;
  - the same 3-node cluster with no flags and one connection, where every hop wakes a sleeping
    process: the simulator's wake-up cost is fitted to it (raftlab whatif --validate).
The bench report computes each cell's latency floor and throughput ceiling from these figures
(README, "Calibration and bounds"); every bench run also stores a calibration of its own
(bench --calibrate).

Options:
  --kind full|short    full (default, under a minute) or short (about 15 s, fewer samples)
  --value-size BYTES   value size of the writes measured (default 64, as the bench's)
  --out FILE           where to write it (default calibration.json)
  -h, --help           show this help`;

export const calibrateCommand = command("calibrate", async (argv, io) => {
  const { values: v } = parseOptions({
    args: argv,
    options: {
      kind: { type: "string", default: "full" },
      "value-size": { type: "string", default: "64" },
      out: { type: "string", default: "calibration.json" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(`${CALIBRATE_USAGE}\n`);
    return 0;
  }
  const kind = choiceOption("--kind", v.kind, ["full", "short"] as const);
  const valueSize = intOption("--value-size", v["value-size"], 0, 1 << 20);
  // Refused before a minute of measuring, not after.
  if (!existsSync(path.dirname(path.resolve(v.out)))) {
    throw new UsageError(`--out: the folder of ${v.out} does not exist`);
  }
  return exitOnInterrupt(async (signal) => {
    const cal = await calibrate({ kind, valueSize, log: (line) => io.out(`${line}\n`), signal });
    writeFileSync(v.out, `${JSON.stringify(cal, null, 2)}\n`);
    io.out(`calibration: ${path.resolve(v.out)}\n`);
    return 0;
  });
});
