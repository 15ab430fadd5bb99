// `raftlab report`: re-render a run's page, compare two runs, publish a static site, rebuild the
// runs index. The bench writes reports itself; this command works from results.json files.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { compareRuns, renderComparePage } from "../../bench/report/compare.ts";
import { loadRun, ResultsFileError } from "../../bench/report/load.ts";
import { publishSite } from "../../bench/report/publish.ts";
import { writeRunReport, writeRunsIndex } from "../../bench/report/write.ts";
import { type CommandIo, command } from "./command.ts";
import { parseOptions, UsageError } from "./options.ts";

const EXIT = { ok: 0, badInput: 65, noInput: 66 } as const;

const USAGE = `Usage:
  raftlab report RUN                      re-render RUN's index.html and results.csv
  raftlab report compare RUN_A RUN_B [--out FILE]
                                          write a page comparing B with A (ratios B/A per cell)
  raftlab report publish RUN... --out DIR copy runs into DIR with an index: a static site
  raftlab report index [--out DIR]        rewrite DIR/index.html listing every run (default reports)

RUN is a run's report folder (reports/<run-id>/) or its results.json.
Run 'raftlab report <sub-command> --help' for details.

Exit status: 0 done, 64 usage error, 65 not a results.json or runs that cannot be compared,
66 file or folder missing.`;

const HELP: Record<string, string> = {
  render: `Usage: raftlab report RUN

Re-renders RUN's index.html and results.csv from its results.json (RUN: a report folder or the
results.json in it), e.g. after upgrading raftlab.`,
  compare: `Usage: raftlab report compare RUN_A RUN_B [--out FILE]

Writes a self-contained page with, for every measurement both runs made (same system, flags, size,
load level and environment), the ratio B/A of throughput, p50 and p99, and whether the difference
exceeds the spread of the repetitions (their min–max ranges do not overlap).

Options:
  --out FILE   where to write the page (default reports/compare-<A>-vs-<B>.html)`,
  publish: `Usage: raftlab report publish RUN... --out DIR

Copies each run folder into DIR and writes DIR/index.html listing them: a static site ready to host.

Options:
  --out DIR    the site's folder (required; created if absent)`,
  index: `Usage: raftlab report index [--out DIR]

Rewrites DIR/index.html listing every run folder in DIR that holds a results.json, newest first.

Options:
  --out DIR    the reports root (default reports)`,
};

export const reportCommand = command("report", async (argv, io) => {
  const [first, ...rest] = argv;
  const sub = first === "compare" || first === "publish" || first === "index" ? first : "render";
  const { values, positionals } = parseOptions({
    args: sub === "render" ? argv : rest,
    allowPositionals: true,
    options: { out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`${first === undefined || first.startsWith("-") ? USAGE : HELP[sub]}\n`);
    return EXIT.ok;
  }
  try {
    switch (sub) {
      case "render":
        return await render(io, positionals, values.out);
      case "compare":
        return await compare(io, positionals, values.out);
      case "publish":
        return await publish(io, positionals, values.out);
      case "index":
        return await index(io, positionals, values.out);
    }
  } catch (err) {
    if (!(err instanceof ResultsFileError)) throw err;
    io.err(`raftlab report: ${err.message}\n`);
    return err.kind === "missing" ? EXIT.noInput : EXIT.badInput;
  }
});

async function render(io: CommandIo, positionals: string[], out: string | undefined): Promise<number> {
  if (out !== undefined)
    throw new UsageError("--out is not an option of 'raftlab report RUN' (the page is written next to results.json)");
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0
        ? "missing RUN (a report folder or results.json)"
        : `expected one RUN, got ${positionals.length}`,
    );
  const run = await loadRun(positionals[0]!);
  await writeRunReport(run.dir, run.results);
  io.out(`${join(run.dir, "index.html")}\n`);
  return EXIT.ok;
}

async function compare(io: CommandIo, positionals: string[], out: string | undefined): Promise<number> {
  if (positionals.length !== 2)
    throw new UsageError(`compare needs two runs, RUN_A and RUN_B; got ${positionals.length}`);
  const [a, b] = await Promise.all(positionals.map((p) => loadRun(p)));
  const comparison = compareRuns(a!.results, b!.results);
  if (comparison.matched.length === 0) {
    throw new ResultsFileError(
      `runs ${a!.results.run.id} and ${b!.results.run.id} have no measurement in common (same system, flags, size, load level and environment)`,
      "invalid",
    );
  }
  const file = out ?? join("reports", `compare-${a!.results.run.id}-vs-${b!.results.run.id}.html`);
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(file, renderComparePage(comparison));
  io.out(`${file}\n`);
  return EXIT.ok;
}

async function publish(io: CommandIo, positionals: string[], out: string | undefined): Promise<number> {
  if (out === undefined) throw new UsageError("publish needs --out DIR");
  if (positionals.length === 0) throw new UsageError("publish needs at least one RUN folder");
  const names = await publishSite(positionals, out);
  io.out(`${join(out, "index.html")} (${names.length} runs: ${names.join(", ")})\n`);
  return EXIT.ok;
}

async function index(io: CommandIo, positionals: string[], out: string | undefined): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`index takes no arguments (use --out DIR), got "${positionals[0]}"`);
  const root = out ?? "reports";
  const count = await writeRunsIndex(root);
  io.out(`${join(root, "index.html")} (${count} runs)\n`);
  return EXIT.ok;
}
