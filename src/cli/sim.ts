// `raftlab sim` (`npm run sim -- …`): runs the deterministic cluster simulator over seeds × flag
// combinations × cluster sizes, prints progress and one summary line, and for every failing run the
// exact command that replays it.

import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type Flags, formatFlags } from "../core/flags.ts";
import { type RunSpec, type RunSummary, runParallel, runSpec } from "../sim/parallel.ts";
import { runSeed, type SimResult } from "../sim/run.ts";
import { command } from "./command.ts";
import { flagListOption, intOption, parseOptions, UsageError } from "./options.ts";

const DEFAULT_OPS = 300;

const USAGE = `Usage: npm run sim -- [--seeds N] [--seed S] [--flags COMBO|all-combos] [--nodes 3|5] [--ops N] [--jobs N]

Runs simulated clusters (virtual time, simulated network and disks, the real core and driver) with
clients and injected faults, checking Raft's safety invariants as they run and the clients' history
for linearizability at the end. Among the faults, members are added, promoted and removed (two
spare nodes start outside the configuration). Every run is reproducible from its seed.

Options:
  --seeds N        number of seeds to run, S..S+N-1 (default 10; 1 when --seed is given alone)
  --seed S         first seed (default 1)
  --flags LIST     comma-separated combinations: none, all, batch+pipeline, ..., or all-combos (default)
  --nodes LIST     initial voters, 3 and/or 5 (default 3)
  --ops N          client operations per run (default ${DEFAULT_OPS})
  --no-faults      run without the nemesis
  --history FILE   write the history of the (single) run as JSON Lines, for 'raftlab check'
  --jobs N         run on N worker threads (default 1; long soaks: one per core)
  -h, --help       show this help

Exit status: 0 every run passed, 1 a run failed (its replay command is printed), 64 usage error.`;

interface Plan {
  readonly seeds: number[];
  readonly combos: Flags[];
  readonly sizes: number[];
  readonly ops: number;
  readonly faults: boolean;
  readonly history: string | undefined;
  readonly jobs: number;
}

function parsePlan(argv: string[]): Plan | "help" {
  const { values } = parseOptions({
    args: argv,
    options: {
      seeds: { type: "string" },
      seed: { type: "string" },
      flags: { type: "string" },
      nodes: { type: "string" },
      ops: { type: "string" },
      "no-faults": { type: "boolean" },
      history: { type: "string" },
      jobs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const first = values.seed === undefined ? 1 : intOption("--seed", values.seed, 0, 2 ** 31 - 1);
  const count =
    values.seeds === undefined
      ? values.seed === undefined
        ? 10
        : 1
      : intOption("--seeds", values.seeds, 1, 10_000_000);
  const combos = flagListOption(values.flags ?? "all-combos");
  const sizes = (values.nodes ?? "3").split(",").map((s) => {
    const n = s.trim();
    if (n !== "3" && n !== "5") throw new UsageError(`--nodes must be 3 or 5 (or "3,5"), got "${values.nodes}"`);
    return Number(n);
  });
  const ops = values.ops === undefined ? DEFAULT_OPS : intOption("--ops", values.ops, 1, 1_000_000);
  const runs = count * combos.length * sizes.length;
  if (values.history !== undefined && runs !== 1) {
    throw new UsageError(`--history needs exactly one run (one seed, one combination, one size), not ${runs}`);
  }
  return {
    seeds: Array.from({ length: count }, (_, i) => first + i),
    combos,
    sizes: [...new Set(sizes)],
    ops,
    faults: !values["no-faults"],
    history: values.history,
    jobs: values.jobs === undefined ? 1 : intOption("--jobs", values.jobs, 1, availableParallelism()),
  };
}

/** The command that replays one run. */
export function replayCommand(
  r: Pick<SimResult, "seed" | "flags" | "nodes">,
  plan: { ops: number; faults: boolean },
): string {
  const extra = `${plan.ops !== DEFAULT_OPS ? ` --ops ${plan.ops}` : ""}${plan.faults ? "" : " --no-faults"}`;
  return `npm run sim -- --seed ${r.seed} --flags ${r.flags} --nodes ${r.nodes}${extra}`;
}

export const simCommand = command("sim", async (argv, io) => {
  const plan = parsePlan(argv);
  if (plan === "help") {
    io.out(`${USAGE}\n`);
    return 0;
  }

  const specs: RunSpec[] = [];
  for (const seed of plan.seeds) {
    for (const nodes of plan.sizes) {
      for (const flags of plan.combos)
        specs.push({ seed, flags: formatFlags(flags), nodes, ops: plan.ops, faults: plan.faults });
    }
  }
  const total = specs.length;
  const started = performance.now();
  let lastProgress = started;
  let done = 0;
  const totals = { ok: 0, fail: 0, info: 0, faults: 0, flagSwitches: 0, transfers: 0, memberChanges: 0, violations: 0 };
  const failed: RunSummary[] = [];
  const report = (r: RunSummary): void => {
    done++;
    totals.ok += r.ops.ok;
    totals.fail += r.ops.fail;
    totals.info += r.ops.info;
    totals.faults += r.faults;
    totals.flagSwitches += r.flagSwitches;
    totals.transfers += r.transfers;
    totals.memberChanges += r.memberChanges;
    totals.violations += r.violations.length;
    if (!r.ok) {
      failed.push(r);
      io.err(
        `${io.tty ? "\r\x1b[K" : ""}FAIL seed ${r.seed} flags ${r.flags} nodes ${r.nodes}: ${r.violations.join("; ")}\n`,
      );
      io.err(`  replay: ${replayCommand(r, plan)}\n`);
    }
    const now = performance.now();
    if (total > 1 && (now - lastProgress > 1000 || done === total)) {
      lastProgress = now;
      const line = `[${done}/${total}] seed ${r.seed} ${r.flags} n=${r.nodes} | ${failed.length} failed | ${((now - started) / 1000).toFixed(0)}s`;
      io.err(io.tty ? `\r\x1b[K${line}${done === total ? "\n" : ""}` : `${line}\n`);
    }
  };
  if (plan.history !== undefined) {
    const { history, ...r } = runSeed({ ...specs[0]!, flags: plan.combos[0]! });
    writeFileSync(plan.history, `${history.map((e) => JSON.stringify(e)).join("\n")}\n`);
    report(r);
  } else if (plan.jobs > 1) {
    await runParallel(specs, plan.jobs, report);
  } else {
    for (const spec of specs) report(runSpec(spec));
  }

  const secs = ((performance.now() - started) / 1000).toFixed(1);
  const ops = totals.ok + totals.fail + totals.info;
  io.out(
    `sim: ${total} runs (${plan.seeds.length} seeds × ${plan.combos.length} combos × sizes ${plan.sizes.join(",")}), ` +
      `${ops} ops (${totals.ok} ok, ${totals.fail} fail, ${totals.info} info), ${totals.faults} faults ` +
      `(${totals.flagSwitches} live flag switches, ${totals.transfers} leadership transfers, ` +
      `${totals.memberChanges} membership changes), ` +
      `${totals.violations} violations, ${failed.length} failed runs, ${secs}s\n`,
  );
  if (failed.length > 0 && failed.length <= 20) {
    for (const r of failed) io.out(`replay: ${replayCommand(r, plan)}\n`);
  }
  return failed.length === 0 ? 0 : 1;
});
