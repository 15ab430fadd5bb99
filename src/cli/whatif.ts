// `raftlab whatif`: the bench's sweep run in the simulator's performance mode (bench/whatif/), for
// deployments this machine cannot measure: other round trips, disks, cluster sizes and CPUs.

import { readFileSync } from "node:fs";
import path from "node:path";
import { perfModelFromCalibration } from "../../bench/calibrate/perf-model.ts";
import { clock } from "../../bench/progress.ts";
import type { Results } from "../../bench/results.ts";
import { writeModelValidation } from "../../bench/validate/model-validation.ts";
import type { WhatifOptions } from "../../bench/whatif/options.ts";
import { planWhatif, runWhatif } from "../../bench/whatif/sweep.ts";
import { DEFAULT_PERF_MODEL, type PerfModel } from "../sim/perf-model.ts";
import { type CommandIo, command } from "./command.ts";
import { flagListOption, intOption, listOption, numberOption, parseOptions, UsageError } from "./options.ts";

const D = DEFAULT_PERF_MODEL;

const USAGE = `Usage: raftlab whatif [options]
       raftlab whatif --validate RUN_DIR [model options]

Runs the benchmark sweep in the simulator instead of on this machine: every cluster size × flag
combination × load level is a simulated cluster of the real Raft core and driver in virtual time,
without faults, under closed-loop load on its leader, with a model's costs charged to each node:
CPU on its one event loop (work queues behind it), fsync latency on its disk, latency and bandwidth
on its links. Writes <out>/<run-id>/results.json and the report as 'raftlab bench' does, marked as
simulated. A cell takes seconds; the same options give the same figures.

Options:
  --nodes LIST          cluster sizes, e.g. 3,5 (default 3)
  --flags LIST          combinations: none, batch+pipeline, ..., all, or all-combos (default)
  --connections LIST    closed-loop connections, each sending a write when its last is answered,
                        e.g. 1,32,128 (default 128)
  --rtt-ms MS           round trip between two nodes (default ${D.rttMs}: loopback here)
  --fsync-ms P50[:P99]  one fsync's latency in ms: median and 99th percentile of a log-normal
                        distribution; one number: every fsync takes that long (default
                        ${D.fsyncMs.p50}:${D.fsyncMs.p99}, this machine's disk)
  --bandwidth-mbps N    each peer link's bandwidth, Mbit/s (default ${D.bandwidthMbps})
  --client-rtt-ms MS    round trip between the clients and the leader (default ${D.clientRttMs})
  --cpu-scale X         a CPU X times as fast as this machine's: CPU costs are divided by X
                        (default 1). Per operation (µs): HTTP request ${D.cpu.httpUsPerRequest}, log append
                        ${D.cpu.appendUsPerEntry} per entry, apply ${D.cpu.applyUsPerEntry} per entry, peer message ${D.cpu.messageUs} sent or
                        received; the load generator's ${D.cpu.loadgenUsPerRequest} per request, on one loop
  --wake-us US          CPU an idle event loop pays to wake for a task, any loop's (default
                        ${D.cpu.wakeUs}); scaled by --cpu-scale
  --wake-latency-us US  how long an idle loop takes to start on a task that arrives: the scheduler
                        waking a sleeping process (default ${D.wakeLatencyUs}); not scaled
  --cores N             the nodes and the load generator share N cores, as when every process of
                        a cell runs on one machine: n busy processes run at N/n of a core each
                        (default: each has a core of its own, as on machines of their own)
  --apply-cost-us US    time each applied command holds the applying thread, mostly waiting, as
                        bench's --apply-cost-us: the event loop's with async-apply off, the apply
                        thread's with it on; not scaled by --cpu-scale (default ${D.applyHoldUs})
  --value-size BYTES    value size of each write (default 64)
  --duration S          virtual seconds measured per cell (default 3)
  --warmup S            virtual seconds of load before that, not measured (default 0.5)
  --seed N              seed of every cell: election timeouts and fsync draws (default 1)
  --out DIR             reports root (default reports)
  --validate RUN_DIR    instead of a sweep: simulate every measured closed-loop cell of a bench run
                        (RUN_DIR/results.json) in its own configuration, the run's emulated delays
                        added to the model's, and compare: throughput and p50 errors, and whether
                        the simulator orders the combinations as the measurement does. Writes
                        RUN_DIR/model-validation.md and .json. The model is the run's own
                        calibration when it has one (bench --calibrate), else the options above;
                        a cell whose processes all ran on the bench's machine shares its cores
  --model KIND          with --validate: calibration (default when the run has one) or options
  -h, --help            show this help

Lists are comma-separated. What the simulation leaves out: each node has a disk of its own (on this
machine they share one), garbage collection and the kernel's network stack cost nothing beyond the
costs above, a shared core's scheduler is fair and switches for free, and nothing fails.`;

/** `2` or `2:5`: an fsync's median and 99th percentile, ms. */
function fsyncOption(raw: string): PerfModel["fsyncMs"] {
  const [p50 = "", p99, extra] = raw.split(":");
  if (extra !== undefined)
    throw new UsageError(`--fsync-ms must be P50 or P50:P99 in ms, e.g. 2 or 0.5:3, got "${raw}"`);
  const median = numberOption("--fsync-ms median", p50, 0.001, 60_000);
  const tail = p99 === undefined ? median : numberOption("--fsync-ms 99th percentile", p99, 0.001, 60_000);
  if (tail < median)
    throw new UsageError(`--fsync-ms: the 99th percentile (${tail}) must not be below the median (${median})`);
  return { p50: median, p99: tail };
}

const ints = (min: number, max: number) => (name: string, item: string) => intOption(name, item, min, max);

/** `--model`: where a validation's model comes from. */
function modelSourceOption(raw: string, validate: string | undefined): "calibration" | "options" {
  if (validate === undefined) throw new UsageError("--model goes with --validate RUN_DIR");
  if (raw !== "calibration" && raw !== "options") {
    throw new UsageError(`--model must be calibration or options, got "${raw}"`);
  }
  return raw;
}

export function parseWhatifOptions(
  argv: string[],
): (WhatifOptions & { readonly validate?: string; readonly modelSource?: "calibration" | "options" }) | "help" {
  const { values: v } = parseOptions({
    args: argv,
    options: {
      nodes: { type: "string", default: "3" },
      flags: { type: "string", default: "all-combos" },
      connections: { type: "string", default: "128" },
      "rtt-ms": { type: "string", default: String(D.rttMs) },
      "fsync-ms": { type: "string", default: `${D.fsyncMs.p50}:${D.fsyncMs.p99}` },
      "bandwidth-mbps": { type: "string", default: String(D.bandwidthMbps) },
      "client-rtt-ms": { type: "string", default: String(D.clientRttMs) },
      "cpu-scale": { type: "string", default: String(D.cpuScale) },
      cores: { type: "string" },
      "wake-us": { type: "string", default: String(D.cpu.wakeUs) },
      "wake-latency-us": { type: "string", default: String(D.wakeLatencyUs) },
      "apply-cost-us": { type: "string", default: String(D.applyHoldUs) },
      "value-size": { type: "string", default: "64" },
      duration: { type: "string", default: "3" },
      warmup: { type: "string", default: "0.5" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: "reports" },
      validate: { type: "string" },
      model: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) return "help";
  if (v.validate !== undefined && v.cores !== undefined) {
    throw new UsageError("--cores goes with a sweep: a validation shares cores as each measured cell's processes did");
  }
  return {
    sizes: listOption("--nodes", v.nodes, ints(1, 99)),
    flags: flagListOption(v.flags),
    connections: listOption("--connections", v.connections, ints(1, 10_000)),
    model: {
      ...D,
      rttMs: numberOption("--rtt-ms", v["rtt-ms"], 0, 60_000),
      bandwidthMbps: numberOption("--bandwidth-mbps", v["bandwidth-mbps"], 0.001, 1e9),
      clientRttMs: numberOption("--client-rtt-ms", v["client-rtt-ms"], 0, 60_000),
      fsyncMs: fsyncOption(v["fsync-ms"]),
      applyHoldUs: intOption("--apply-cost-us", v["apply-cost-us"], 0, 10_000_000),
      cpuScale: numberOption("--cpu-scale", v["cpu-scale"], 0.01, 1000),
      cpu: { ...D.cpu, wakeUs: numberOption("--wake-us", v["wake-us"], 0, 1_000_000) },
      wakeLatencyUs: numberOption("--wake-latency-us", v["wake-latency-us"], 0, 1_000_000),
      cores: v.cores === undefined ? null : intOption("--cores", v.cores, 1, 1024),
    },
    durationS: numberOption("--duration", v.duration, 0.1, 3600),
    warmupS: numberOption("--warmup", v.warmup, 0, 3600),
    valueSize: intOption("--value-size", v["value-size"], 0, 16 << 20),
    seed: intOption("--seed", v.seed, 0, 2 ** 31 - 1),
    out: v.out,
    ...(v.validate === undefined ? {} : { validate: v.validate }),
    ...(v.model === undefined ? {} : { modelSource: modelSourceOption(v.model, v.validate) }),
  };
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** The model in one line, as the run starts. */
function describeModel(m: PerfModel): string {
  const fsync =
    m.fsyncMs.p99 === m.fsyncMs.p50 ? `${m.fsyncMs.p50} ms` : `p50 ${m.fsyncMs.p50} ms p99 ${m.fsyncMs.p99} ms`;
  return (
    `rtt ${m.rttMs} ms, ${m.bandwidthMbps} Mbit/s; fsync ${fsync}; client rtt ${m.clientRttMs} ms; ` +
    `CPU ×${m.cpuScale}${m.cores === null ? "" : ` on ${m.cores} shared cores`}; ` +
    `wake-up ${round(m.cpu.wakeUs)} µs CPU, ${round(m.wakeLatencyUs)} µs latency; apply hold ${m.applyHoldUs} µs`
  );
}

export const whatifCommand = command("whatif", async (argv, io) => {
  const opts = parseWhatifOptions(argv);
  if (opts === "help") {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (opts.validate !== undefined) return validateRun(opts.validate, opts, io);
  io.out(`whatif: ${planWhatif(opts).length} simulated cells; ${describeModel(opts.model)}\n`);
  const t0 = Date.now();
  const { dir, results } = await runWhatif(opts, (line) => io.out(`${line}\n`));
  const failed = results.cells.filter((c) => c.status === "failed").length;
  io.out(
    `whatif: ${results.cells.length} cells (${failed} failed) in ${clock(Date.now() - t0)}\n` +
      `report: ${path.resolve(dir, "index.html")}\n`,
  );
  return 0;
});

/** `--validate RUN_DIR`: the run's measured cells against the model's predictions. */
async function validateRun(
  runDir: string,
  o: WhatifOptions & { readonly modelSource?: "calibration" | "options" },
  io: CommandIo,
): Promise<number> {
  const file = path.join(runDir, "results.json");
  let results: Results;
  try {
    results = JSON.parse(readFileSync(file, "utf8")) as Results;
  } catch (err) {
    throw new UsageError(
      `--validate: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  if (results.run?.simulated) throw new UsageError(`--validate: ${runDir} is a simulated run; give a measured one`);
  const source = o.modelSource ?? (results.calibration ? "calibration" : "options");
  if (source === "calibration" && !results.calibration) {
    throw new UsageError(`--model calibration: ${file} holds no calibration (run the bench with --calibrate)`);
  }
  const model = source === "calibration" ? perfModelFromCalibration(results.calibration!) : o.model;
  io.out(
    `whatif: validating against ${file}; ${source === "calibration" ? "the run's calibration: " : ""}${describeModel(model)}\n`,
  );
  if (!results.cells.some((c) => c.system === "raftlab" && c.connections !== null)) {
    throw new UsageError(`--validate: ${file} has no measured closed-loop raftlab cells`);
  }
  const summary = writeModelValidation(
    runDir,
    results,
    model,
    (done, total) => {
      if (done === total || done % 8 === 0) io.out(`  simulated ${done}/${total} cells\n`);
    },
    o,
  );
  io.out(`${summary}\nwritten: ${path.resolve(runDir, "model-validation.md")}\n`);
  return 0;
}
