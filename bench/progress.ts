// The sweep's console lines: progress before each cell (i of n, what, elapsed, ETA) and one line of
// result after it.

import type { Cell, CellConfig } from "./results.ts";

export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Simulated cells share one model, printed once, so their environment fields are not repeated. */
function describeCell(c: CellConfig, simulated: boolean): string {
  const what = c.system === "raftlab" ? `${c.flags}${c.readMode ? ` (${c.readMode} reads)` : ""}` : c.system;
  const load = c.connections !== null ? `${c.connections} conn` : `${c.rate} req/s`;
  if (simulated) return `${what} × ${c.size}, ${load}, simulated`;
  const env = [
    c.netDelayMs ? `net ${c.netDelayMs} ms` : "",
    c.fsyncDelayUs ? `fsync +${c.fsyncDelayUs} µs` : "",
    c.applyCostUs ? `apply ${c.applyCostUs} µs` : "",
  ].filter(Boolean);
  return `${what} × ${c.size}, ${load}${env.length ? `, ${env.join(", ")}` : ""}, rep ${c.rep + 1}`;
}

/** `[ 3/32] ########.............. batch × 3, 128 conn, rep 1 | elapsed 0:41 ETA 3:52` */
export function progressLine(
  i: number,
  n: number,
  c: CellConfig,
  elapsedMs: number,
  etaMs: number | null,
  simulated = false,
): string {
  const width = 20;
  const done = Math.round((i / n) * width);
  const bar = `${"#".repeat(done)}${".".repeat(width - done)}`;
  const idx = `${String(i + 1).padStart(String(n).length)}/${n}`;
  return `[${idx}] ${bar} ${describeCell(c, simulated)} | elapsed ${clock(elapsedMs)} ETA ${etaMs === null ? "?" : clock(etaMs)}`;
}

export function resultLine(cell: Cell): string {
  const figures =
    cell.requests > 0
      ? `${Math.round(cell.throughput).toLocaleString("en-US")} ops/s  p50 ${cell.latencyMs.p50.toFixed(2)} ms  p99 ${cell.latencyMs.p99.toFixed(2)} ms  ` +
        `errors ${cell.errors}  ${usage(cell)}${reads(cell)}`
      : "";
  return cell.status === "ok"
    ? `      ok  ${figures}`
    : `      FAILED: ${cell.error}${figures ? `  (${figures})` : ""}`;
}

/** The reads' own rate and p50, in cells with reads. */
function reads(cell: Cell): string {
  if (!cell.reads) return "";
  return `  reads ${Math.round(cell.reads.throughput).toLocaleString("en-US")}/s p50 ${cell.reads.latencyMs.p50.toFixed(2)} ms`;
}

/** The leader's and load generator's CPU; for a simulated cell, how busy its busiest modelled loop was. */
function usage(cell: Cell): string {
  if (cell.loopBusy) {
    const [process, busy] = Object.entries(cell.loopBusy).sort((a, b) => b[1] - a[1])[0] ?? ["?", 0];
    return `busiest loop ${process} ${busy.toFixed(2)}`;
  }
  const leader = cell.cpu.find((u) => u.role === "leader");
  const loadgen = cell.cpu.find((u) => u.role === "loadgen");
  return `cpu leader ${leader?.cpu.toFixed(2) ?? "?"} loadgen ${loadgen?.cpu.toFixed(2) ?? "?"}`;
}
