// `raftlab chaos` (`npm run chaos`): fault runs on real clusters, each checked for linearizability,
// durability of acknowledged writes and identical applied state (src/chaos/run.ts).

import { randomInt } from "node:crypto";
import { type ChaosResult, replayCommand } from "../chaos/result.ts";
import { CHAOS_DEFAULTS, type ChaosOptions, runChaos } from "../chaos/run.ts";
import { REMOTE_SKIPS } from "../chaos/stages.ts";
import { exitStatus } from "../chaos/verdict.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import type { ClusterAccess } from "../node/remote-cluster.ts";
import { clusterFileOption, clusterSecretOption } from "./cluster-file-option.ts";
import { command } from "./command.ts";
import { flagListOption, intOption, numberOption, parseOptions, UsageError } from "./options.ts";

const CHAOS_USAGE = `Usage: raftlab chaos [options]

Starts a real cluster with the link-shaping admin endpoint, runs concurrent clients (reads, writes of
unique values, compare-and-set on a small key set; some pinned to one node, some following redirects)
while a seeded nemesis kills nodes with SIGKILL and restarts them, pauses them with SIGSTOP, partitions
them (leader isolated, majority/minority, one-way), delays or drops their messages, and asks the
leader to hand leadership over (POST /admin/transfer-leader). Then it heals
everything and checks that a final write succeeds, that every node applied the same state, that no
acknowledged write is lost, and that the history is linearizable.

With --target FILE the run uses the cluster that cluster file describes instead (nodes started with
--admin, the file's secretFile holding their secret, ids 1..N): it switches every node to the run's
combination (POST /admin/flags) and applies only what reaches another host, link faults through
/admin/links (leader isolated, splits, one-way cuts, delay, loss), and hand-overs. Kills and pauses need the node
processes on this machine, so they are skipped, and the summary says so. The clients use keys of
their own per run; the cluster keeps running, healed, on the last combination.

Options:
  --target FILE     run against the running cluster of this cluster file (see above)
  --nodes N         cluster size (default ${CHAOS_DEFAULTS.nodes}; with --target, the file's)
  --flags LIST      combinations, comma-separated: none, all, flags joined by "+", or all-combos
                    (default all)
  --duration S      seconds of faults per run (default ${CHAOS_DEFAULTS.durationS})
  --runs N          runs per combination, each with a fresh seed (default 1)
  --seed S          replay: run r uses seed S+r (the fault schedule and the clients' choices)
  --clients N       concurrent clients (default ${CHAOS_DEFAULTS.clients})
  --keys N          keys the clients share (default ${CHAOS_DEFAULTS.keys})
  --out DIR         reports root; each run writes DIR/<run-id>/ (default reports/chaos)
  -h, --help        show this help

Prints one line per run and the path of its page. A failing run keeps its history, node data and
logs in its folder; a passing run keeps only its page and summary.json.
Exit status: 0 every run passed, 1 a run failed, 2 the checker could not decide a run, 64 usage error.

The long soak: npm run chaos -- --runs 50 --duration 60`;

export interface ChaosPlan {
  readonly combos: readonly Flags[];
  readonly runs: number;
  /** null: a fresh random seed for every run. */
  readonly seed: number | null;
  readonly base: Omit<ChaosOptions, "flags" | "seed">;
}

const OPTIONS = {
  target: { type: "string" },
  nodes: { type: "string" },
  flags: { type: "string", default: "all" },
  duration: { type: "string", default: String(CHAOS_DEFAULTS.durationS) },
  runs: { type: "string", default: "1" },
  seed: { type: "string" },
  clients: { type: "string", default: String(CHAOS_DEFAULTS.clients) },
  keys: { type: "string", default: String(CHAOS_DEFAULTS.keys) },
  out: { type: "string", default: "reports/chaos" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseChaosOptions(argv: string[]): ChaosPlan | "help" {
  const { values, positionals } = parseOptions({ args: argv, allowPositionals: true, options: OPTIONS });
  if (values.help) return "help";
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const combos = flagListOption(values.flags);
  if (values.out.trim() === "") throw new UsageError("--out must name a directory");
  if (values.target !== undefined && values.nodes !== undefined)
    throw new UsageError("--nodes conflicts with --target: the cluster file names the nodes");
  const target = values.target === undefined ? null : targetOption(values.target);
  return {
    combos,
    runs: intOption("--runs", values.runs, 1, 100_000),
    seed: values.seed === undefined ? null : intOption("--seed", values.seed, 0, 2 ** 31 - 1),
    base: {
      ...CHAOS_DEFAULTS,
      nodes: target
        ? target.spec.nodes.length
        : intOption("--nodes", values.nodes ?? String(CHAOS_DEFAULTS.nodes), 1, 15),
      target,
      durationS: numberOption("--duration", values.duration, 0.5, 86_400),
      clients: intOption("--clients", values.clients, 1, 256),
      keys: intOption("--keys", values.keys, 1, 10_000),
      outDir: values.out,
    },
  };
}

/** `--target FILE`: the running cluster, its members numbered 1..N as the workload and the nemesis count them. */
function targetOption(file: string): ClusterAccess {
  const spec = clusterFileOption("--target", file);
  const ids = spec.nodes.map((n) => n.id).sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i + 1))
    throw new UsageError(`--target ${file}: chaos needs the node ids to be 1..${ids.length}, got ${ids.join(", ")}`);
  return { spec, adminToken: clusterSecretOption("--target", spec) };
}

export const chaosCommand = command("chaos", async (argv, io) => {
  const plan = parseChaosOptions(argv);
  if (plan === "help") {
    io.out(`${CHAOS_USAGE}\n`);
    return 0;
  }
  const total = plan.combos.length * plan.runs;
  const results: ChaosResult[] = [];
  if (plan.base.target) {
    io.out(`chaos: against the running cluster of ${plan.base.target.spec.file}; skipped: ${REMOTE_SKIPS}\n`);
  }
  for (let r = 0; r < plan.runs; r++) {
    for (const flags of plan.combos) {
      const seed = plan.seed === null ? randomInt(1, 2 ** 31 - 1) : plan.seed + r;
      const result = await runChaos({ ...plan.base, flags, seed });
      results.push(result);
      io.out(`[${results.length}/${total}] ${summaryLine(result)}\n  page: ${result.page}\n`);
      if (result.outcome !== "pass") {
        for (const p of result.problems) io.out(`  ${p}\n`);
        const kept = result.target === null ? "history.jsonl, data/, logs/" : "history.jsonl";
        io.out(`  kept: ${result.dir} (${kept})\n  replay: ${replayCommand(result)}\n`);
      }
    }
  }
  const count = (o: string): number => results.filter((r) => r.outcome === o).length;
  const over = plan.combos.length <= 3 ? plan.combos.map(formatFlags).join(", ") : `${plan.combos.length} combinations`;
  io.out(
    `${total} run${total === 1 ? "" : "s"} over ${over}: ${count("pass")} passed, ${count("fail")} failed, ${count("unknown")} undecided\n`,
  );
  return exitStatus(results.map((r) => r.outcome));
});

export function summaryLine(r: ChaosResult): string {
  const kinds =
    r.faults === 0
      ? ""
      : ` (${Object.entries(r.faultKinds)
          .map(([k, n]) => `${k} ×${n}`)
          .join(", ")})`;
  const verdict = r.outcome === "pass" ? "PASS" : r.outcome === "fail" ? "FAIL" : "UNDECIDED";
  const asked = r.faultKinds["transfer-leader"] ?? 0;
  const handOvers = asked === 0 ? "" : `, ${r.handOvers} of ${asked} hand-overs completed`;
  return (
    `${r.combo} seed ${r.seed}: ${r.ops} ops, ${r.acknowledgedWrites} acknowledged writes, ${r.faults} faults${kinds}${handOvers}, ` +
    `${r.verdict} (checker ${r.checkerMs.toFixed(0)} ms) ${verdict}`
  );
}
