// The networked node's speed check: `none` and `all` on 3 nodes at 1, 32 and 128 connections,
// closed-loop 64-byte PUTs to fresh keys on the leader, printed as a table. The cells are an ordinary
// bench run, so the full record (stages, CPU of every process) is in the report it prints.
//   node --import tsx scripts/perf-node.ts [--duration S] [--warmup S] [--out DIR]

import path from "node:path";
import { parseArgs } from "node:util";
import { runSweep } from "../bench/sweep.ts";
import { parseBenchOptions } from "../src/cli/bench-options.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    out: { type: "string", default: "reports" },
  },
});
const opts = parseBenchOptions([
  "--flags",
  "none,all",
  "--sizes",
  "3",
  "--connections",
  "1,32,128",
  "--duration",
  values.duration,
  "--warmup",
  values.warmup,
  "--out",
  values.out,
]);
if (opts === "help") throw new Error("unreachable");
const { dir, results } = await runSweep(opts, { log: (line) => process.stderr.write(`${line}\n`) });

const header = ["flags", "conn", "ops/s", "p50 ms", "p99 ms", "leader cpu", "loadgen cpu", "status"];
const rows = results.cells.map((c) => [
  c.flags,
  String(c.connections),
  Math.round(c.throughput).toLocaleString("en-US"),
  c.latencyMs.p50.toFixed(3),
  c.latencyMs.p99.toFixed(2),
  c.cpu.find((u) => u.role === "leader")?.cpu.toFixed(2) ?? "-",
  c.cpu.find((u) => u.role === "loadgen")?.cpu.toFixed(2) ?? "-",
  c.status === "ok" ? "ok" : `failed: ${c.error}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string =>
  r.map((x, i) => (i < 1 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
process.stdout.write(`${line(header)}\n${rows.map(line).join("\n")}\nreport: ${path.resolve(dir, "index.html")}\n`);
