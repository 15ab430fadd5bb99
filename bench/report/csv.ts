// results.csv: one row per cell, nested figures flattened into columns (RFC 4180: CRLF line ends,
// fields with a comma, quote or line break quoted, quotes doubled). The percentile points are left
// out (results.json has them), as are the per-interval time series; CPU and ELU get one column per
// process name found in the run (a simulated run: `loop_busy_*`, the modelled event loops' busy
// fraction); the mechanism summary gets a `mechanism_*` column per figure; the reads alone get
// `reads_*` columns (empty in cells without reads); a run with a calibration gets each cell's bounds.

import type { Cell, Results } from "../results.ts";
import { ENV_KNOBS } from "./aggregate.ts";
import { type CellVsBounds, cellVsBounds } from "./bounds.ts";
import { MECHANISM_FIGURES } from "./specs.ts";

type Column = readonly [header: string, value: (cell: Cell) => unknown];

const LATENCY = ["p50", "p90", "p99", "p999", "max", "mean"] as const;
const STAGES = ["queue", "append", "replicate", "apply", "total"] as const;
const STAGE_FIGURES = ["p50", "p99", "mean"] as const;

export function toCsv(results: Results): string {
  const processes = [...new Set(results.cells.flatMap((c) => c.cpu.map((u) => u.process)))].sort();
  const modelled = [...new Set(results.cells.flatMap((c) => Object.keys(c.loopBusy ?? {})))].sort();
  const columns: Column[] = [
    ["run_id", () => results.run.id],
    ["system", (c) => c.system],
    ["flags", (c) => c.flags],
    ["size", (c) => c.size],
    ["connections", (c) => c.connections],
    ["rate", (c) => c.rate],
    ["rep", (c) => c.rep],
    ["duration_s", (c) => c.durationS],
    ["warmup_s", (c) => c.warmupS],
    ...ENV_KNOBS.map((k): Column => [k, (c) => c[k]]),
    ["status", (c) => c.status],
    ["error", (c) => c.error],
    ["throughput", (c) => c.throughput],
    ["requests", (c) => c.requests],
    ["errors", (c) => c.errors],
    ...LATENCY.map((q): Column => [`latency_ms_${q}`, (c) => c.latencyMs[q]]),
    ["reads_throughput", (c) => c.reads?.throughput],
    ...LATENCY.map((q): Column => [`reads_latency_ms_${q}`, (c) => c.reads?.latencyMs[q]]),
    ...STAGES.flatMap((s) => STAGE_FIGURES.map((f): Column => [`stage_ms_${s}_${f}`, (c) => c.stagesMs?.[s][f]])),
    ...processes.flatMap((p): Column[] => [
      [`cpu_${p}`, (c) => c.cpu.find((u) => u.process === p)?.cpu],
      [`elu_${p}`, (c) => c.cpu.find((u) => u.process === p)?.elu ?? c.elu[p]],
      [`cpu_us_per_op_${p}`, (c) => c.cpu.find((u) => u.process === p)?.cpuUsPerOp],
      [`run_queue_wait_${p}`, (c) => c.cpu.find((u) => u.process === p)?.runQueueWait],
    ]),
    ["steal_cores", (c) => c.stealCores],
    ["machine_busy_cores", (c) => c.machineBusyCores],
    ...modelled.map((p): Column => [`loop_busy_${p}`, (c) => c.loopBusy?.[p]]),
    ...MECHANISM_FIGURES.map(
      ([field]): Column => [
        `mechanism_${field.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}`,
        (c) => c.mechanism?.summary?.[field],
      ],
    ),
    ...boundColumns(results),
    ["correctness", (c) => results.correctness?.[c.flags]],
    ["started_at", (c) => c.startedAt],
  ];
  const lines = [
    columns.map(([h]) => csvField(h)),
    ...results.cells.map((cell) => columns.map(([, value]) => csvField(value(cell)))),
  ];
  return `${lines.map((fields) => fields.join(",")).join("\r\n")}\r\n`;
}

/** Each cell against its bounds (bounds.ts), when the run has a calibration; empty for a cell without. */
function boundColumns(results: Results): Column[] {
  const cal = results.calibration;
  if (!cal) return [];
  const judged = new Map(results.cells.map((c) => [c, cellVsBounds(cal, c)]));
  const column = (header: string, value: (b: Extract<CellVsBounds, { kind: "bounded" }>) => unknown): Column => [
    header,
    (c) => {
      const b = judged.get(c);
      return b?.kind === "bounded" ? value(b) : null;
    },
  ];
  const round3 = (x: number): number => Math.round(x * 1000) / 1000;
  return [
    column("ceiling_ops", (b) => Math.round(b.ceiling.value)),
    column("ceiling_binding", (b) => b.ceiling.binding),
    column("share_of_ceiling", (b) => round3(b.throughputShare)),
    column("latency_floor_ms", (b) => round3(b.floor.value)),
    column("latency_floor_binding", (b) => b.floor.binding),
    column("floor_share_of_mean_latency", (b) => round3(b.latencyShare)),
    column("implementation_overhead", (b) => b.overhead),
  ];
}

/** One RFC 4180 field: null and undefined are empty. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
