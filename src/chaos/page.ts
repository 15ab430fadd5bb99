// A chaos run's page: the verdict and its figures, a Vega-Lite timeline of every operation (one lane per
// client, colored by outcome) above the faults (one lane per node), the fault list, and for a violation
// the smallest failing key's operations. Built on the report pages' shell (vega inlined: opens offline).

import type { Value } from "../check/history.ts";
import type { CheckResult } from "../check/linearizability.ts";
import type { Chart, VegaLiteSpec } from "../page/chart.ts";
import { chartSection, escapeHtml, htmlPage, htmlTable, type TableCell } from "../page/page.ts";
import type { FaultEvent } from "./faults.ts";
import type { OpRecord } from "./recording.ts";
import { type ChaosResult, replayCommand } from "./result.ts";
import type { RunData } from "./verdict.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 1100;

/** The history's name for each completion. */
const EVENT_TYPE = { ok: "ok", failed: "fail", "not-applied": "fail", unknown: "info" } as const;
const OUTCOME_COLORS = { domain: ["ok", "fail", "info"], range: ["#54a24b", "#9d9d9d", "#f58518"] };

export function renderChaosPage(result: ChaosResult, data: RunData, check: CheckResult, endMs: number): string {
  const charts: Chart[] = [timelineChart(data, endMs)];
  const failing = check.failingKey === undefined ? [] : data.records.filter((r) => r.key === check.failingKey);
  if (failing.length > 0) charts.push(failingKeyChart(check.failingKey!, failing, endMs));
  const good = result.outcome === "pass";
  const body = `
<h1>raftlab chaos run ${escapeHtml(result.runId)}</h1>
<p class="subtitle">${escapeHtml(result.combo)} · ${result.nodes} nodes${result.target ? ` of the running cluster of ${escapeHtml(result.target)}` : ""} · ${result.durationS} s of faults · seed ${result.seed}</p>
${result.skipped ? `<p class="note">Skipped: ${escapeHtml(result.skipped)}.</p>` : ""}
<p class="${good ? "verdict-helps" : result.outcome === "fail" ? "verdict-hurts" : "verdict-none"}">${escapeHtml(headline(result))}</p>
${result.problems.length ? `<ul>${result.problems.map((p) => `<li class="failed">${escapeHtml(p)}</li>`).join("")}</ul>` : ""}
<p class="note">Replay this fault schedule and workload: <code>${escapeHtml(replayCommand(result))}</code>${good ? "" : ` · <a href="history.jsonl">history.jsonl</a> (check it with <code>raftlab check history.jsonl</code>)`}</p>
${figures(result, check)}
${charts.map(chartSection).join("\n")}
${failing.length ? `<h2>Operations on the failing key ${escapeHtml(JSON.stringify(check.failingKey))}</h2>${opsTable(failing, endMs)}` : ""}
<h2>Faults (${data.faults.length})</h2>
${faultTable(data.faults)}
`;
  return htmlPage({ title: `raftlab chaos ${result.runId}`, body, charts: true });
}

function headline(r: ChaosResult): string {
  if (r.outcome === "pass")
    return `Passed: linearizable, final write acknowledged, every node holds the same state, no acknowledged write lost.`;
  if (r.outcome === "unknown") return `Undecided: the checker's search budget ran out; nothing else failed.`;
  return `Failed: ${r.verdict === "not linearizable" ? `not linearizable (smallest failing key ${JSON.stringify(r.failingKey)})` : r.problems[0]}`;
}

function figures(r: ChaosResult, check: CheckResult): string {
  const kinds =
    Object.entries(r.faultKinds)
      .map(([k, n]) => `${k} ×${n}`)
      .join(", ") || "none";
  const rows: TableCell[][] = [
    [
      "operations",
      `${r.ops}: ${Object.entries(r.completions)
        .map(([k, n]) => `${k} ×${n}`)
        .join(", ")}`,
    ],
    ["acknowledged writes and swaps", r.acknowledgedWrites],
    ["faults", `${r.faults}: ${kinds}`],
    [
      "checker",
      `${check.verdict}: ${check.ops} operations on ${check.partitions} keys, ${check.explored} states explored, ${check.elapsedMs.toFixed(1)} ms`,
    ],
    ["final write", r.finalWrite],
    ["applied state", r.convergence],
  ];
  return htmlTable(["", ""], rows);
}

interface OpRow {
  lane: string;
  start: number;
  end: number;
  drawnEnd: number;
  outcome: string;
  op: string;
  key: string;
  result: string;
  node: string;
  note: string;
}

function opRows(records: readonly OpRecord[], endMs: number, laneOf: (r: OpRecord) => string): OpRow[] {
  // An operation shorter than a pixel would vanish: it is drawn one pixel wide.
  const pixelMs = endMs / WIDTH;
  return records.map((r) => {
    const start = r.start / 1e6;
    const end = r.end / 1e6;
    return {
      lane: laneOf(r),
      start: round(start),
      end: round(end),
      drawnEnd: round(Math.max(end, start + pixelMs)),
      outcome: EVENT_TYPE[r.result.completion],
      op: `${r.f} ${describeInput(r)}`,
      key: r.key,
      result: describeResult(r),
      node: r.node ? `node ${r.node}` : "none",
      note: r.result.note,
    };
  });
}

function describeInput(r: OpRecord): string {
  if (r.f === "read") return "";
  if (r.f === "cas") {
    const [expect, value] = r.input as [Value, Value];
    return `${JSON.stringify(expect)} → ${JSON.stringify(value)}`;
  }
  return JSON.stringify(r.input);
}

function describeResult(r: OpRecord): string {
  const { completion, value, current } = r.result;
  if (completion === "ok") return r.f === "read" ? JSON.stringify(value ?? null) : "done";
  if (completion === "failed")
    return `comparison failed${current !== undefined ? `, current ${JSON.stringify(current)}` : ""}`;
  return completion === "not-applied" ? "not applied" : "unknown";
}

function opsLayer(rows: readonly OpRow[], endMs: number, laneTitle: string): VegaLiteSpec {
  return {
    width: WIDTH,
    height: { step: 16 },
    data: { values: rows },
    mark: { type: "bar", height: 11 },
    encoding: {
      x: {
        field: "start",
        type: "quantitative",
        title: "ms since the run started",
        scale: { domain: [0, Math.ceil(endMs)] },
      },
      x2: { field: "drawnEnd" },
      y: { field: "lane", type: "nominal", title: laneTitle },
      color: { field: "outcome", type: "nominal", scale: OUTCOME_COLORS, title: "outcome" },
      tooltip: [
        { field: "op", title: "operation" },
        { field: "key" },
        { field: "outcome" },
        { field: "result" },
        { field: "node", title: "answered by" },
        { field: "note", title: "reply" },
        { field: "start", title: "start (ms)" },
        { field: "end", title: "end (ms)" },
      ],
    },
  };
}

function timelineChart(data: RunData, endMs: number): Chart {
  const ops = opRows(data.records, endMs, (r) => `client ${r.process}`);
  const faults = data.faults.flatMap((f) =>
    f.nodes.map((n) => ({
      lane: `node ${n}`,
      kindLane: f.lane,
      start: round(f.startMs),
      end: round(Number.isNaN(f.endMs) ? endMs : f.endMs),
      kind: f.kind,
      detail: f.detail,
      missed: f.missed.join("; ") || "none",
    })),
  );
  const crashes = data.crashes.map((c) => ({
    lane: `node ${c.id}`,
    at: round(c.atMs),
    what: `exited on its own (code ${c.code}, signal ${c.signal})`,
  }));
  const x = { type: "quantitative", title: "ms since the run started", scale: { domain: [0, Math.ceil(endMs)] } };
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    vconcat: [
      opsLayer(ops, endMs, "client"),
      {
        width: WIDTH,
        // A fixed height: a step size would conflict between the offset bars and the crash marks.
        height: 24 * Math.max(1, new Set([...faults, ...crashes].map((f) => f.lane)).size),
        layer: [
          {
            data: { values: faults },
            mark: { type: "bar", opacity: 0.85 },
            encoding: {
              x: { field: "start", ...x },
              x2: { field: "end" },
              y: { field: "lane", type: "nominal", title: "node" },
              // Process faults above network faults above hand-overs within a node's lane, so overlapping faults all show.
              yOffset: { field: "kindLane", type: "nominal", sort: ["process", "network", "operations"] },
              color: { field: "kind", type: "nominal", title: "fault", scale: { scheme: "tableau10" } },
              tooltip: [
                { field: "kind" },
                { field: "kindLane", title: "lane" },
                { field: "detail" },
                { field: "start", title: "start (ms)" },
                { field: "end", title: "end (ms)" },
                { field: "missed", title: "changes not accepted" },
              ],
            },
          },
          {
            data: { values: crashes },
            mark: { type: "point", shape: "cross", size: 120, color: "#b00020", strokeWidth: 3 },
            encoding: {
              x: { field: "at", ...x },
              y: { field: "lane", type: "nominal" },
              tooltip: [{ field: "what" }, { field: "at", title: "at (ms)" }],
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: "independent", y: "independent" } },
  };
  return {
    id: "timeline",
    title: "Operations and faults over time",
    description:
      "Top: each client's operations (green ok; grey certainly not applied, or a cas whose comparison failed; orange outcome unknown, drawn until the client gave up). Bottom: the faults, one lane per node they hit (process faults on top, network faults below them, leadership hand-overs at the bottom); a red cross is a node exiting on its own. Hover for details.",
    spec,
  };
}

function failingKeyChart(key: string, records: readonly OpRecord[], endMs: number): Chart {
  return {
    id: "failing-key",
    title: `The failing key ${JSON.stringify(key)}`,
    description:
      "Every operation on the key the checker could not linearize (the smallest such key), one lane per client.",
    spec: {
      $schema: SCHEMA,
      ...labelled(
        opsLayer(
          opRows(records, endMs, (r) => `client ${r.process}`),
          endMs,
          "client",
        ),
      ),
    },
  };
}

/** The operations layer with each bar's operation and result written on it (for a key's few operations). */
function labelled(ops: VegaLiteSpec): VegaLiteSpec {
  const { data, mark, encoding, ...frame } = ops;
  const { x, y } = encoding as Record<string, unknown>;
  return {
    ...frame,
    data,
    layer: [
      { mark, encoding },
      {
        transform: [{ calculate: "datum.op + ' → ' + datum.result", as: "label" }],
        mark: { type: "text", align: "left", dx: 2, fontSize: 10 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
}

function opsTable(records: readonly OpRecord[], endMs: number): string {
  const rows = opRows(
    [...records].sort((a, b) => a.start - b.start),
    endMs,
    (r) => `client ${r.process}`,
  ).map((r): TableCell[] => [
    r.lane,
    r.op,
    { html: escapeHtml(r.outcome), className: r.outcome === "ok" ? "good" : "" },
    r.result,
    r.start,
    r.outcome === "info" ? "unknown (∞)" : r.end,
    r.node,
    r.note,
  ]);
  return `<div class="scroll">${htmlTable(["client", "operation", "outcome", "result", "start (ms)", "end (ms)", "answered by", "reply"], rows)}</div>`;
}

function faultTable(faults: readonly FaultEvent[]): string {
  if (faults.length === 0) return "<p>No fault was injected.</p>";
  const rows = faults.map((f): TableCell[] => [
    f.lane,
    f.kind,
    f.detail,
    round(f.startMs),
    Number.isNaN(f.endMs) ? null : round(f.endMs),
    f.missed.join("; ") || "none",
  ]);
  return htmlTable(["lane", "kind", "what", "start (ms)", "end (ms)", "link changes not accepted"], rows);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
