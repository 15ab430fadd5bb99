// Runs the tinybench micro-benchmarks: every `bench/micro/*.bench.ts` registers its tasks on one Bench.
//   npm run bench:micro [-- --filter codec --time 500 --json out.json]

import { readdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Bench } from "tinybench";
import { machineInfo } from "../machine.ts";

const USAGE = `Usage: npm run bench:micro -- [options]

Runs raftlab's micro-benchmarks (tinybench): log append + fsync with and without group commit,
message encode/decode, quorum commit computation, linearizability checking.

Options:
  --filter TEXT   only benchmark files whose name contains TEXT (e.g. codec, log-append)
  --time MS       measuring time per task in milliseconds (default 400)
  --json FILE     also write the results as JSON to FILE
  -h, --help      show this help`;

interface MicroModule {
  register(bench: Bench): void | Promise<void>;
}

export async function runMicro(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args: argv,
      options: {
        filter: { type: "string" },
        time: { type: "string", default: "400" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`bench:micro: ${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const time = Number(opts.time);
  if (!Number.isFinite(time) || time <= 0) {
    process.stderr.write(`bench:micro: --time must be a positive number of milliseconds, got "${opts.time}"\n`);
    return 64;
  }
  const dir = new URL("./", import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".bench.ts") && (!opts.filter || f.includes(opts.filter)))
    .sort();
  if (files.length === 0) {
    process.stderr.write(`bench:micro: no benchmark file matches --filter "${opts.filter}"\n`);
    return 64;
  }
  const m = machineInfo();
  process.stdout.write(`raftlab micro-benchmarks on ${m.cpuModel} (${m.cores} cores), Node ${m.node}, commit ${m.commit ?? "unknown"}\n`);
  const results: Record<string, unknown>[] = [];
  for (const file of files) {
    const bench = new Bench({ name: file, time, warmupTime: Math.min(200, time) });
    const mod = (await import(new URL(file, dir).href)) as MicroModule;
    await mod.register(bench);
    process.stdout.write(`\n${file.replace(".bench.ts", "")}\n`);
    await bench.run();
    console.table(bench.table());
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== "completed") {
        process.stderr.write(`  ${task.name}: ${r.state}${"error" in r ? `: ${String(r.error)}` : ""}\n`);
        continue;
      }
      results.push({
        file,
        task: task.name,
        opsPerSec: r.throughput.mean,
        latencyMsP50: r.latency.p50,
        latencyMsP99: r.latency.p99,
        samples: r.latency.samplesCount,
      });
    }
  }
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: m, results }, null, 2));
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runMicro(process.argv.slice(2));
}
