// `raftlab check FILE`: reads a JSON Lines history, checks it for linearizability, prints the verdict.

import { readFile } from "node:fs/promises";
import { HistoryError, readHistory } from "../check/history.ts";
import { type CheckResult, checkOperations, DEFAULT_BUDGET } from "../check/linearizability.ts";
import { command } from "./command.ts";
import { parseOptions, UsageError } from "./options.ts";

const EXIT = { linearizable: 0, "not linearizable": 1, unknown: 2, badHistory: 65, noInput: 66 } as const;

const USAGE = `Usage: raftlab check FILE [--budget N] [--json]

Checks a history (JSON Lines; docs/DESIGN.md, "Histories and the checker") for linearizability
against the key-value model, one key at a time, smallest key first.

Options:
  --budget N   configurations the search may explore per key before giving up (default ${DEFAULT_BUDGET})
  --json       print the result as one JSON object
  -h, --help   show this help

Exit status: 0 linearizable, 1 not linearizable, 2 unknown (search budget exhausted),
64 usage error, 65 malformed history, 66 file missing or unreadable.`;

export const checkCommand = command("check", async (argv, io) => {
  const { values, positionals } = parseOptions({
    args: argv,
    allowPositionals: true,
    options: { budget: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "missing FILE" : "expected one FILE");
  const budget = values.budget === undefined ? DEFAULT_BUDGET : Number(values.budget);
  if (!Number.isSafeInteger(budget) || budget < 1)
    throw new UsageError(`--budget must be a positive integer (got "${values.budget}")`);

  const file = positionals[0]!;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    io.err(`raftlab check: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return EXIT.noInput;
  }
  let result: CheckResult;
  try {
    result = checkOperations(readHistory(text), { budget });
  } catch (err) {
    if (!(err instanceof HistoryError)) throw err;
    io.err(`raftlab check: ${file}: ${err.message}\n`);
    return EXIT.badHistory;
  }
  io.out(values.json ? `${JSON.stringify(result)}\n` : formatResult(result));
  return EXIT[result.verdict];
});

/** The human-readable report: the verdict line, then what was checked. */
function formatResult(r: CheckResult): string {
  const verdict =
    r.verdict === "not linearizable"
      ? `not linearizable (smallest failing key: ${JSON.stringify(r.failingKey)})`
      : r.verdict === "unknown"
        ? `unknown (search budget of ${r.budget} states exhausted)`
        : r.verdict;
  const lines = [
    verdict,
    `  ${plural(r.ops, "operation")} on ${plural(r.partitions, "key")} (${r.checkedPartitions} searched), ${plural(r.explored, "state")} explored, ${r.elapsedMs.toFixed(1)} ms`,
  ];
  if (r.undecidedKeys.length > 0)
    lines.push(`  undecided keys: ${r.undecidedKeys.map((k) => JSON.stringify(k)).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
