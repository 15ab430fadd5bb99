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

async function runMicro(argv: string[]): Promise<number> {
  let opts: { filter?: string; time: string; json?: string; help?: boolean };
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
  const files = microFiles(opts.filter);
  if (files.length === 0) {
    process.stderr.write(`bench:micro: no benchmark file matches --filter "${opts.filter}"\n`);
    return 64;
  }
  const m = machineInfo();
  process.stdout.write(
    `raftlab micro-benchmarks on ${m.cpuModel} (${m.cores} cores), Node ${m.node}, commit ${m.commit ?? "unknown"}\n`,
  );
  const results = await measureMicro(files, time, (file, bench) => {
    process.stdout.write(`\n${file.replace(".bench.ts", "")}\n`);
    console.table(bench.table());
  });
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ machine: m, results }, null, 2));
  return 0;
}

export interface MicroResult {
  readonly file: string;
  readonly task: string;
  readonly opsPerSec: number;
  readonly latencyMsP50: number;
  readonly latencyMsP99: number;
  readonly samples: number;
}

const DIR = new URL("./", import.meta.url);

/** The micro-benchmark files, optionally only those whose name contains `filter`. */
export function microFiles(filter?: string): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".bench.ts") && (!filter || f.includes(filter)))
    .sort();
}

/** Runs every task of `files` for `timeMs` each; `onFile` sees each finished Bench (e.g. to print it). */
export async function measureMicro(
  files: readonly string[],
  timeMs: number,
  onFile?: (file: string, bench: Bench) => void,
): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  for (const file of files) {
    const bench = new Bench({ name: file, time: timeMs, warmupTime: Math.min(200, timeMs) });
    const mod = (await import(new URL(file, DIR).href)) as MicroModule;
    await mod.register(bench);
    await bench.run();
    onFile?.(file, bench);
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
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runMicro(process.argv.slice(2));
}
