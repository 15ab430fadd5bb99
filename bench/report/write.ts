// Writing reports to disk: a run's folder (results.json, results.csv, index.html) and the index of
// every run under a reports root.

import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { escapeHtml, htmlPage, htmlTable, type TableCell } from "../../src/page/page.ts";
import type { Results } from "../results.ts";
import { toCsv } from "./csv.ts";
import { effectEntries, runEffects } from "./effects.ts";
import { COMBINATIONS } from "./factorial.ts";
import { renderRunPage } from "./html.ts";
import { loadRun, ResultsFileError } from "./load.ts";

/**
 * Writes results.json (with the factorial `effects` when the run has all sixteen combinations),
 * results.csv and index.html into `dir` (created if absent).
 */
export async function writeRunReport(dir: string, results: Results): Promise<void> {
  await mkdir(dir, { recursive: true });
  const effects = runEffects(results);
  const json = effects.combinations === COMBINATIONS ? { ...results, effects: effectEntries(effects) } : results;
  await writeAtomically(join(dir, "results.json"), `${JSON.stringify(json, null, 2)}\n`);
  await writeAtomically(join(dir, "results.csv"), toCsv(results));
  await writeAtomically(join(dir, "index.html"), renderRunPage(results));
}

export interface RunListing {
  /** The run's folder name under the reports root. */
  readonly folder: string;
  readonly results: Results;
}

/** Every sub-folder of `root` that holds a readable results.json, newest run first. Unreadable ones are listed in `skipped`. */
async function listRuns(root: string): Promise<{ runs: RunListing[]; skipped: string[] }> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const runs: RunListing[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    try {
      runs.push({ folder: entry.name, results: (await loadRun(join(root, entry.name))).results });
    } catch (err) {
      // A folder without results.json is not a run; a broken results.json is worth saying.
      if (err instanceof ResultsFileError && err.kind === "invalid") skipped.push(err.message);
      else if (!(err instanceof ResultsFileError)) throw err;
    }
  }
  runs.sort(
    (a, b) => b.results.run.startedAt.localeCompare(a.results.run.startedAt) || b.folder.localeCompare(a.folder),
  );
  return { runs, skipped };
}

/** Rewrites `root/index.html` listing every run folder under `root`; returns how many runs it lists. */
export async function writeRunsIndex(root: string, title = "raftlab benchmark runs"): Promise<number> {
  await mkdir(root, { recursive: true });
  const { runs, skipped } = await listRuns(root);
  await writeAtomically(join(root, "index.html"), renderRunsIndex(runs, skipped, title));
  return runs.length;
}

function renderRunsIndex(runs: readonly RunListing[], skipped: readonly string[], title: string): string {
  const rows = runs.map(({ folder, results }): TableCell[] => {
    const ok = results.cells.filter((c) => c.status === "ok");
    const failed = results.cells.length - ok.length;
    const best = ok.reduce<(typeof ok)[number] | undefined>(
      (b, c) => (b === undefined || c.throughput > b.throughput ? c : b),
      undefined,
    );
    const href = `${encodeURIComponent(folder)}/index.html`;
    return [
      results.run.startedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC"),
      {
        html: `<a href="${escapeHtml(href)}">${escapeHtml(results.run.id)}</a>${results.run.simulated ? " (simulated)" : ""}`,
      },
      [...new Set(results.cells.map((c) => c.size))].sort((a, b) => a - b).join(", "),
      new Set(results.cells.filter((c) => c.system === "raftlab").map((c) => c.flags)).size,
      [...new Set(results.cells.filter((c) => c.system !== "raftlab").map((c) => c.system))].join(", ") || null,
      results.cells.length,
      failed === 0 ? 0 : { html: String(failed), className: "failed" },
      best
        ? `${Math.round(best.throughput).toLocaleString("en-US")} ops/s (${best.system === "raftlab" ? best.flags : best.system}, ${best.size} nodes)`
        : null,
      results.run.commit ?? null,
    ];
  });
  const table = runs.length
    ? htmlTable(
        ["started", "run", "sizes", "combinations", "peers", "cells", "failed", "best throughput (one cell)", "commit"],
        rows,
        "runs",
      )
    : "<p>No runs yet: run <code>raftlab bench</code> or <code>npm run bench</code>.</p>";
  const broken = skipped.length
    ? `<h2>Folders with an unreadable results.json</h2><ul>${skipped.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>`
    : "";
  return htmlPage({
    title,
    body: `<h1>${escapeHtml(title)}</h1>\n<p class="subtitle">${runs.length} runs, newest first.</p>\n${table}\n${broken}`,
    charts: false,
  });
}

/** Write then rename, so a reader never sees half a file. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
