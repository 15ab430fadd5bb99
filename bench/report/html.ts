// A run's report page: one self-contained HTML file (vega inlined) that leads with the generated
// summary (the flags' effects first), then the run's machine and config, every chart, the failed
// cells with their errors and all cells.

import { chartSection, escapeHtml, formatNumber, htmlPage, htmlTable, type TableCell } from "../../src/page/page.ts";
import type { Cell, Results } from "../results.ts";
import { HEAVY_STEAL_CORES } from "../sched-window.ts";
import { loadOf, RAFTLAB, scenarioOf, sharedEnvironment, varyingKnobs } from "./aggregate.ts";
import { calibrationRows, cellVsBounds, limitName, OVERHEAD_SHARE, percent } from "./bounds.ts";
import { heavySteal, roleCpu } from "./cpu-per-op.ts";
import { type FlagVerdict, summarizeEffects } from "./effects-summary.ts";
import { compareEvents } from "./event-table.ts";
import { mechanismNotes } from "./mechanism-notes.ts";
import { runCharts } from "./specs.ts";
import { combinationRows, summarize, type Verdict } from "./summary.ts";
import { targetChecks } from "./targets.ts";

export function renderRunPage(results: Results): string {
  const { run } = results;
  const { charts, omitted } = runCharts(results);
  const failed = results.cells.filter((c) => c.status !== "ok");
  const kind = run.simulated ? "simulated run" : "benchmark run";
  const body = `
<h1>raftlab ${kind} ${escapeHtml(run.id)}</h1>
<p class="subtitle">Started ${escapeHtml(run.startedAt)}${run.finishedAt ? `, finished ${escapeHtml(run.finishedAt)}` : ", not finished"} ·
${results.cells.length} cells, ${failed.length} failed · commit ${escapeHtml(run.commit ?? "unknown")}</p>
<p class="links"><a href="results.json">results.json</a><a href="results.csv">results.csv</a><a href="../index.html">all runs</a></p>
${simulatedNote(results)}
${summarySection(results)}
${configPanel(results)}
${boundsSection(results)}
${charts.map(chartSection).join("\n")}
${omitted.length ? `<h2>Charts not shown</h2><ul>${omitted.map((o) => `<li>${escapeHtml(o)}</li>`).join("")}</ul>` : ""}
${eventsSection(results)}
${failedSection(failed)}
${microSection(results)}
${cellsSection(results)}
`;
  return htmlPage({
    title: `raftlab ${run.simulated ? "simulated " : ""}run ${run.id}`,
    body,
    charts: charts.length > 0,
  });
}

/** A simulated run says so before any figure, with the model every figure comes from. */
function simulatedNote(results: Results): string {
  const { simulated, model } = results.run;
  if (!simulated) return "";
  const rows = model
    ? [
        ["round trip between nodes", `${formatNumber(model.rttMs)} ms`],
        ["peer link bandwidth", `${formatNumber(model.bandwidthMbps)} Mbit/s`],
        ["round trip to the clients", `${formatNumber(model.clientRttMs)} ms`],
        ["fsync (log-normal)", `p50 ${formatNumber(model.fsyncMs.p50)} ms, p99 ${formatNumber(model.fsyncMs.p99)} ms`],
        [
          "CPU per operation",
          `HTTP request ${model.cpu.httpUsPerRequest} µs, append ${model.cpu.appendUsPerEntry} µs and apply ${model.cpu.applyUsPerEntry} µs per entry, peer message ${model.cpu.messageUs} µs; load generator ${model.cpu.loadgenUsPerRequest} µs per request`,
        ],
        // Older simulated runs have no wake-up costs: they had none.
        [
          "an idle loop's wake-up",
          `${formatNumber(model.cpu.wakeUs ?? 0)} µs of CPU, after ${formatNumber(model.wakeLatencyUs ?? 0)} µs`,
        ],
        ["CPU speed", `×${formatNumber(model.cpuScale)} (the CPU costs are divided by it)`],
        [
          "cores",
          // Older simulated runs have no `cores`: they gave every process a core of its own.
          model.cores ? `${model.cores}, shared by the nodes and the load generator` : "one per process",
        ],
        ["apply hold per command", `${formatNumber(model.applyHoldUs)} µs`],
      ]
    : [];
  return `<div class="simulated"><h2>Simulated, not measured</h2>
<p class="note">Every figure of this run comes from <code>raftlab whatif</code>: the real Raft core and driver run in the simulator's virtual time, and each node is charged the model's costs below (CPU on its one event loop, where work queues; fsync latency on its own disk; latency and bandwidth on its links). Nothing ran on a machine: CPU per operation, run-queue wait and steal are not measured, the machine listed is the one that ran the simulation, and the same seed gives the same figures. The environment labels spell the model: “net” is its one-way latency between nodes and “fsync +” its whole median fsync, not a delay added to a disk's own.</p>
${rows.length ? htmlTable(["model", "value"], rows) : ""}</div>`;
}

function configPanel(results: Results): string {
  const { run } = results;
  const machine = Object.entries(run.machine).map(([k, v]) => [
    k,
    k === "memoryBytes" ? `${formatNumber(Number(v) / 1024 ** 3)} GiB` : display(v),
  ]);
  const versions = Object.entries(run.versions).map(([k, v]) => [k, v]);
  const options = Object.entries(run.options).map(([k, v]) => [k, display(v)]);
  const shared = sharedEnvironment(results.cells);
  const varying = varyingKnobs(results.cells);
  return `<h2>Machine, versions and configuration</h2>
<div class="panel">
<div><h3>${run.simulated ? "Machine (that ran the simulation)" : "Machine"}</h3>${htmlTable(["field", "value"], machine)}</div>
<div><h3>Versions</h3>${htmlTable(["component", "version"], versions)}</div>
<div><h3>Run options</h3>${htmlTable(["option", "value"], options)}
<p class="note">Environment shared by every cell: ${escapeHtml(shared || "none")}.${varying.length ? ` Varies between cells: ${escapeHtml(varying.join(", "))}.` : ""}</p></div>
</div>${topologyNote(results.cells)}${loadWorkersNote(results.cells)}`;
}

/** Where a distributed load (`--loadgen`) came from: each worker and its share of the successes. */
function loadWorkersNote(cells: readonly Cell[]): string {
  const shares = new Map<string, number>();
  for (const c of cells) for (const w of c.loadWorkers ?? []) shares.set(w.url, (shares.get(w.url) ?? 0) + w.ok);
  if (shares.size === 0) return "";
  const total = [...shares.values()].reduce((a, n) => a + n, 0);
  const list = [...shares].map(([url, ok]) => `${url} (${formatNumber(total === 0 ? 0 : (100 * ok) / total)} %)`);
  return `<p class="note load-workers">Load from ${shares.size} workers, each cell's connections or rate split between them and their latency histograms merged; share of the successes: ${escapeHtml(list.join(", "))}.</p>`;
}

/** Where a run against a running cluster (`--target`) measured, and how far its leader was. */
function topologyNote(cells: readonly Cell[]): string {
  const placed = cells.flatMap((c) => (c.topology ? [c.topology] : []));
  if (placed.length === 0) return "";
  const rtts = placed.flatMap((t) => (t.rttMs === null ? [] : [t.rttMs]));
  const leaders = [...new Set(placed.map((t) => t.leader))].sort((a, b) => a - b);
  const rtt =
    rtts.length === 0
      ? ""
      : ` Round trip from the load generator to the leader (GET /status, median per cell): ${formatNumber(Math.min(...rtts))}–${formatNumber(Math.max(...rtts))} ms.`;
  return `<p class="note topology">Measured against the running cluster of ${escapeHtml(placed[0]!.target)}: nodes ${escapeHtml(placed[0]!.nodes.join(", "))}; leader node ${leaders.join(", ")} during the cells.${rtt}</p>`;
}

const VERDICT_CLASS: Record<Verdict, string> = {
  helps: "helps",
  hurts: "hurts",
  mixed: "none",
  "no difference": "none",
  unknown: "none",
};

const FLAG_VERDICT_CLASS: Record<FlagVerdict, string> = {
  helps: "helps",
  hurts: "hurts",
  "trade-off": "none",
  "no effect detected": "none",
};

function list(items: readonly string[]): string {
  return `<ul class="summary">${items.map((t) => `<li>${escapeHtml(t)}</li>`).join("\n")}</ul>`;
}

/** The headline: each flag's factorial effect per environment, with its interval and method. */
function effectsSection(results: Results): string {
  const s = summarizeEffects(results);
  if (s.absent)
    return `<h2>Effects of the flags</h2><p>${escapeHtml(s.absent)}</p>${s.incomplete.length ? `<p>Groups left out:</p>${list(s.incomplete)}` : ""}`;
  return `<h2>Effects of the flags</h2>
<p class="note">The sixteen combinations form a 2⁴ factorial design, analysed per cluster size, load level and environment on log throughput, log p50 and log p99.
A flag's ratio is the geometric mean, over the eight pairs of combinations that differ only in that flag, of flag on ÷ flag off; an interaction's ratio squared is the first flag's ratio with the second on ÷ with it off.
The 95 % intervals come from the pooled variance of the repetitions, or with a single repetition from Lenth's pseudo standard error over the fifteen effects.
A flag <em>helps</em> or <em>hurts</em> only where an interval excludes ×1 (throughput up or latency down helps); otherwise no effect was detected, which is not the same as no effect.</p>
<ul class="summary">${s.flags.map((l) => `<li><span class="verdict-${FLAG_VERDICT_CLASS[l.verdict]}">${escapeHtml(l.text)}</span></li>`).join("\n")}</ul>
<p>${escapeHtml(s.decisive.text)}</p>
<h3>Interactions</h3>
${s.interactions.length ? list(s.interactions) : "<p>No two-flag interaction's interval excludes ×1.</p>"}
${s.incomplete.length ? `<h3>Groups without effects (a cell missing or failed; nothing is imputed)</h3>${list(s.incomplete)}` : ""}`;
}

function summarySection(results: Results): string {
  const summary = summarize(results);
  const effects = summary.effects.length
    ? `<ul class="summary">${summary.effects
        .map(
          (e, i) =>
            `<li><span class="verdict-${VERDICT_CLASS[e.verdict]}">${escapeHtml(summary.lines[i]!.head)}</span> ${escapeHtml(summary.lines[i]!.figures)}</li>`,
        )
        .join("\n")}</ul>`
    : `<p>No pair of combinations differing in a single flag succeeded in this run, so no flag's effect can be measured.</p>`;
  const checks = htmlTable(
    ["flag", "the literature expects", "this run", "figures"],
    summary.checks.map((c) => [
      c.flag,
      c.expectation,
      {
        html: escapeHtml(c.outcome),
        className:
          c.outcome === "agrees" || c.outcome === "confirmed"
            ? "good"
            : c.outcome === "disagrees" || c.outcome === "not confirmed"
              ? "failed"
              : "",
      },
      c.detail,
    ]),
  );
  return `${effectsSection(results)}
<h2>Summary: what each flag did, pair by pair</h2>
<p class="note">For each flag, pairs of combinations that differ only in that flag (same size, load level and environment) are compared: ratios are flag on ÷ flag off, medians over the pairs. A difference counts as real only when the min–max ranges over the repetitions do not overlap.</p>
${effects}
${mechanismSection(results)}
<h3>Against the literature</h3>
${checks}
<h3>Against the lab's targets</h3>
${htmlTable(
  ["target", "this run", "figures"],
  targetChecks(results).map((t) => [
    t.target,
    { html: escapeHtml(t.outcome), className: t.outcome === "met" ? "good" : t.outcome === "not met" ? "failed" : "" },
    t.detail,
  ]),
)}
${glanceTable(results)}`;
}

function mechanismSection(results: Results): string {
  const notes = mechanismNotes(results);
  if (notes.length === 0) return "";
  return `<h3>Why: what the mechanisms did</h3>
<p class="note">Counted on the nodes over the measured window (see the mechanism counters chart), flag on against flag off in the same pairs.</p>
<ul class="summary mechanism-notes">${notes.map((n) => `<li>${escapeHtml(n.text)}</li>`).join("\n")}</ul>`;
}

function glanceTable(results: Results): string {
  const { sizes, scenario, topLoad, lowLoad, rows } = combinationRows(results);
  if (rows.length === 0) return "";
  const hasCorrectness = results.correctness !== undefined;
  const headers = [
    "combination / system",
    ...sizes.map((s) => `throughput, ${s} nodes (ops/s at ${topLoad})`),
    ...sizes.map((s) => `p50, ${s} nodes (ms at ${lowLoad})`),
    ...(hasCorrectness ? ["correctness"] : []),
  ];
  const body: TableCell[][] = rows.map((r) => [
    r.series,
    ...sizes.map((s) => r.throughput[s] ?? null),
    ...sizes.map((s) => r.p50[s] ?? null),
    ...(hasCorrectness ? [correctnessCell(r.correctness)] : []),
  ]);
  return `<h3>Combinations at a glance${scenario ? ` (${escapeHtml(scenario)})` : ""}</h3>${htmlTable(headers, body)}`;
}

function correctnessCell(verdict: string | null): TableCell {
  if (verdict === null) return null;
  return { html: escapeHtml(verdict), className: verdict === "linearizable" ? "good" : "failed" };
}

function failedSection(failed: readonly Cell[]): string {
  if (failed.length === 0) return `<h2>Failed cells</h2><p>None: every cell completed.</p>`;
  const rows = failed.map((c) => [
    c.system,
    c.flags,
    c.size,
    loadOf(c).label,
    c.rep,
    { html: escapeHtml(c.error ?? "(no reason recorded)"), className: "failed" },
  ]);
  return `<h2>Failed cells (${failed.length})</h2>
<p class="note">These cells are left out of every chart and figure above; the other repetitions of the same measurement still count.</p>
${htmlTable(["system", "flags", "size", "load", "rep", "error"], rows, "failed-cells")}`;
}

/** What each event cost, per combination: medians over the repetitions. */
function eventsSection(results: Results): string {
  const rows = compareEvents(results).map((r): TableCell[] => [
    r.event,
    r.combination,
    r.reps,
    r.unavailableMs.median,
    `${formatNumber(r.unavailableMs.min)}–${formatNumber(r.unavailableMs.max)}`,
    r.firstSuccessMs,
    `${formatNumber(r.throughputBefore)} → ${formatNumber(r.throughputAfter)}`,
    `${r.p99BeforeMs === null ? "–" : formatNumber(r.p99BeforeMs)} → ${r.p99AfterMs === null ? "–" : formatNumber(r.p99AfterMs)}`,
  ]);
  if (rows.length === 0) return "";
  const compare = results.cells.flatMap((c) => c.eventCosts ?? [])[0]!.compareMs;
  const headers = [
    "event",
    "combination",
    "reps",
    "unavailable (ms)",
    "range (ms)",
    "first success (ms)",
    "ops/s before → after",
    "p99 (ms) before → after",
  ];
  return `<h2>What each event cost</h2>
<p class="note">Medians over the repetitions. Unavailable: the longest stretch without a success around the event (from the last success before it to the first after, or a longer gap soon after). First success: from the injection to the first success of a request due after it. Throughput and p99 over the ${formatNumber(compare)} ms before and after the injection (shorter near the window's ends). Times come from the load generator's clock, to the µs.</p>
${htmlTable(headers, rows)}`;
}

/** How many of the cells farthest from their bounds the section spells out. */
const FARTHEST_SHOWN = 5;

function boundsSection(results: Results): string {
  const cal = results.calibration;
  if (!cal) {
    return `<h2>Against the bounds</h2><p>This run stored no calibration (bench --calibrate off, or an older run): no bounds.</p>`;
  }
  const varying = varyingKnobs(results.cells);
  const judged = results.cells.map((c) => ({ c, b: cellVsBounds(cal, c) }));
  const bounded = judged.filter((j) => j.b.kind === "bounded");
  const flagged = bounded.filter((j) => j.b.kind === "bounded" && j.b.overhead);
  const farthest = flagged
    .flatMap(({ c, b }) => (b.kind === "bounded" ? [{ c, b, share: Math.min(b.throughputShare, b.latencyShare) }] : []))
    .sort((x, y) => x.share - y.share)
    .slice(0, FARTHEST_SHOWN)
    .map(
      ({ c, b }) =>
        `${c.flags} × ${c.size}, ${loadOf(c).label}${varying.length ? `, ${scenarioOf(c, varying)}` : ""}, rep ${c.rep}: ${b.sentence}`,
    );
  const rows = judged.map(({ c, b }): TableCell[] => [
    c.flags,
    c.size,
    loadOf(c).label,
    c.rep,
    ...(varying.length ? [scenarioOf(c, varying)] : []),
    ...(b.kind === "none"
      ? [null, null, null, b.why, null, null, null, null]
      : [
          c.throughput,
          Math.round(b.ceiling.value),
          percent(b.throughputShare),
          limitName(b.ceiling.binding),
          c.latencyMs.mean,
          Math.round(b.floor.value * 1000) / 1000,
          percent(b.latencyShare),
          b.overhead ? { html: "implementation overhead worth profiling", className: "failed" } : "near its bound",
        ]),
  ]);
  const headers = [
    "flags",
    "size",
    "load",
    "rep",
    ...(varying.length ? ["environment"] : []),
    "throughput (ops/s)",
    "ceiling (ops/s)",
    "of ceiling",
    "binding limit",
    "mean latency (ms)",
    "floor (ms)",
    "floor ÷ mean",
    "verdict",
  ];
  return `<h2>Against the bounds</h2>
<p>Each cell's throughput ceiling and latency floor, computed from this machine's calibration (taken
${escapeHtml(cal.takenAt)}, ${escapeHtml(cal.kind)}), the cell's environment and its flags (README, "Calibration and bounds").
${bounded.length} cells have bounds; ${flagged.length} of them reached under ${percent(OVERHEAD_SHARE)} of a bound:
implementation overhead worth profiling.</p>
${farthest.length ? `<p>Farthest from their bounds:</p>${list(farthest)}` : ""}
<details><summary>Calibration</summary>${htmlTable(["figure", "value", "samples", "method"], calibrationRows(cal))}</details>
<div class="scroll">${htmlTable(headers, rows, "bounds")}</div>`;
}

function microSection(results: Results): string {
  if (!results.micro?.length) return "";
  const rows = results.micro.map((m) => [m.file, m.task, m.opsPerSec, m.latencyMsP50]);
  return `<h2>Micro-benchmarks</h2>${htmlTable(["file", "task", "ops/s", "p50 (ms)"], rows)}`;
}

function cellsSection(results: Results): string {
  // In a run with reads the read mode has a column of its own, beside the reads' own figures.
  const withReads = results.cells.some((c) => c.readRatio > 0);
  const varying = varyingKnobs(results.cells).filter((k) => !(withReads && k === "readMode"));
  const rows = results.cells.map((c): TableCell[] => [
    c.system,
    c.flags,
    c.size,
    loadOf(c).label,
    c.rep,
    ...(varying.length ? [scenarioOf(c, varying)] : []),
    c.status === "ok" ? "ok" : { html: "failed", className: "failed" },
    ...(c.status === "ok"
      ? [c.throughput, c.latencyMs.p50, c.latencyMs.p90, c.latencyMs.p99, c.latencyMs.p999, c.latencyMs.max]
      : [null, null, null, null, null, null]),
    c.errors,
    c.requests,
    ...(withReads ? readColumns(c) : []),
    ...(results.run.simulated ? simulatedColumns(c) : cpuColumns(c)),
  ]);
  const headers = [
    "system",
    "flags",
    "size",
    "load",
    "rep",
    ...(varying.length ? ["environment"] : []),
    "status",
    "throughput (ops/s)",
    "p50 (ms)",
    "p90",
    "p99",
    "p99.9",
    "max",
    "errors",
    "requests",
    ...(withReads ? ["read mode", "reads/s", "read p50 (ms)", "read p99"] : []),
    "leader CPU (µs/op)",
    "follower CPU (µs/op, busiest)",
    "leader run-queue wait (cores)",
    "steal (cores)",
    ...(results.run.simulated ? ["busiest event loop (modelled busy fraction)"] : []),
  ];
  const stolen = results.cells.filter(heavySteal).length;
  const note = results.run.simulated
    ? `<p class="note">Simulated cells: CPU, run-queue wait and steal are not measured; the busiest node's modelled event loop shows how close the model came to CPU saturation.</p>`
    : `<p class="note">CPU per acknowledged operation by role; run-queue wait is the time the leader's threads were ` +
      `runnable but waiting for a core, steal the CPU the hypervisor gave to other guests, both per second of the ` +
      `measured window.${stolen > 0 ? ` <span class="failed">${stolen} cell(s) measured under heavy steal (≥ ${HEAVY_STEAL_CORES} cores)</span>, marked: their figures are suspect.` : ""}</p>`;
  return `<h2>All cells (${results.cells.length})</h2>${note}<div class="scroll">${htmlTable(headers, rows, "all-cells")}</div>`;
}

/** How the cell's reads were served (a raftlab node's default: readindex) and their own figures. */
function readColumns(c: Cell): TableCell[] {
  if (c.readRatio === 0) return [null, null, null, null];
  const mode = c.readMode ?? (c.system === RAFTLAB ? "readindex" : null);
  return [mode, c.reads?.throughput ?? null, c.reads?.latencyMs.p50 ?? null, c.reads?.latencyMs.p99 ?? null];
}

function cpuColumns(c: Cell): TableCell[] {
  const { leaderUs, followerUs } = roleCpu(c);
  const leader = c.cpu.find((u) => u.role === "leader");
  const round1 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
  const steal = c.stealCores ?? null;
  return [
    round1(leaderUs),
    round1(followerUs),
    leader?.runQueueWait ?? null,
    steal !== null && heavySteal(c) ? { html: `${formatNumber(steal)} heavy`, className: "failed" } : steal,
  ];
}

const NOT_MEASURED = "not measured (simulated)";

/** A simulated cell: nothing to measure CPU on, and how busy its busiest modelled loop was. */
function simulatedColumns(c: Cell): TableCell[] {
  const [process, busy] = Object.entries(c.loopBusy ?? {}).sort((a, b) => b[1] - a[1])[0] ?? [];
  return [
    NOT_MEASURED,
    NOT_MEASURED,
    NOT_MEASURED,
    NOT_MEASURED,
    process ? `${process}: ${formatNumber(busy!)}` : null,
  ];
}

function display(v: unknown): string {
  if (v === null || v === undefined) return "–";
  return typeof v === "string" ? v : JSON.stringify(v);
}
