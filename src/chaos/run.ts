// One chaos run: a real cluster with `--admin` (a fresh local one, or a running one of a cluster file:
// stages.ts), the clients and the nemesis for the run's duration, then every fault healed and the
// checks of verify.ts, the verdict, and the run's folder:
//   DIR/<run-id>/index.html     the page (page.ts)
//   DIR/<run-id>/summary.json   the figures of the summary line, the problems, the checker result
//   DIR/<run-id>/history.jsonl  the history; with data/ (node directories) and logs/ kept only on failure

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Flags, formatFlags } from "../core/flags.ts";
import type { ClusterAccess } from "../node/remote-cluster.ts";
import { Clients, keyNames, type Workload } from "./clients.ts";
import { Nemesis, planFaults } from "./nemesis.ts";
import { renderChaosPage } from "./page.ts";
import { historyOf, historyText } from "./recording.ts";
import type { ChaosResult } from "./result.ts";
import { localStage, remoteStage, type Stage } from "./stages.ts";
import { judge, type RunData } from "./verdict.ts";
import { verifyAfterHeal } from "./verify.ts";

export interface ChaosOptions {
  readonly nodes: number;
  readonly flags: Flags;
  readonly durationS: number;
  readonly seed: number;
  readonly clients: number;
  readonly keys: number;
  /** The reports root; the run writes DIR/<run-id>/. */
  readonly outDir: string;
  /** Nodes compact their log every N applied entries, so restarts exercise snapshots. */
  readonly snapshotEvery: number;
  /** Deadline of one client request, and the nodes' commit timeout below it. */
  readonly requestTimeoutMs: number;
  /** Each client's pause between operations is drawn from 0..thinkMs. */
  readonly thinkMs: number;
  /** A cluster that runs elsewhere (`--target FILE`, ids 1..nodes), instead of a fresh local one. */
  readonly target?: ClusterAccess | null;
}

export const CHAOS_DEFAULTS = {
  nodes: 3,
  durationS: 10,
  clients: 6,
  keys: 4,
  snapshotEvery: 100,
  requestTimeoutMs: 1500,
  thinkMs: 10,
} as const;

/** The run's monotonic clock, in ns and ms since `restart()` (the moment the clients start). */
function runClock(): { nowNs: () => number; nowMs: () => number; restart: () => void } {
  let origin = process.hrtime.bigint();
  const nowNs = (): number => Number(process.hrtime.bigint() - origin);
  return { nowNs, nowMs: () => nowNs() / 1e6, restart: () => (origin = process.hrtime.bigint()) };
}

function runIdFor(combo: string, seed: number, at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${combo}-seed${seed}`;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const combo = formatFlags(o.flags);
  const runId = runIdFor(combo, o.seed);
  const dir = path.join(o.outDir, runId);
  mkdirSync(dir, { recursive: true });
  const { nowNs, nowMs, restart: startClock } = runClock();
  const stage: Stage = o.target ? remoteStage(o.target, o.flags) : await localStage(o, dir, nowMs);
  const workload: Workload = {
    urls: stage.view.ids.map((id) => stage.view.clientUrl(id)),
    clients: o.clients,
    // A targeted cluster may hold the keys of earlier runs: this run's are its own.
    keys: keyNames(o.keys, o.target ? `${runId}-k` : "k"),
    seed: o.seed,
    timeoutMs: o.requestTimeoutMs,
    thinkMs: o.thinkMs,
  };
  const clients = new Clients(workload, nowNs);
  const plan = planFaults(o.seed, { nodes: o.nodes, durationMs: o.durationS * 1000, lanes: stage.lanes });
  const nemesis = new Nemesis(stage.target, plan, nowMs);
  let data: RunData;
  let endMs = 0;
  try {
    await stage.ready();
    startClock();
    clients.start();
    const faults = nemesis.run();
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    nemesis.stop();
    await faults;
    await clients.stop();
    await stage.healAll();
    const { finalReads, finalWrite, convergence, finalValues } = await verifyAfterHeal(stage.view, workload, nowNs);
    data = {
      records: [...clients.records, ...finalReads],
      faults: nemesis.events,
      crashes: stage.crashes,
      finalWrite,
      convergence,
      finalValues,
    };
  } catch (err) {
    nemesis.stop();
    await clients.stop();
    data = {
      records: clients.records,
      faults: nemesis.events,
      crashes: stage.crashes,
      aborted: (err as Error).message,
    };
  } finally {
    endMs = nowMs();
    await stage.close();
  }
  return finishRun({ ...o, skipped: stage.skipped }, runId, dir, data, endMs);
}

/** Judges the collected data, writes the run's folder, and removes history, data and logs of a run that passed. */
export function finishRun(
  o: Pick<ChaosOptions, "nodes" | "flags" | "durationS" | "seed" | "clients" | "keys" | "target"> & {
    /** What the run could not do on its stage (Stage.skipped). */
    readonly skipped?: string | null;
  },
  runId: string,
  dir: string,
  data: RunData,
  endMs: number,
): ChaosResult {
  const { outcome, check, problems } = judge(data);
  const faultKinds = countBy(data.faults, (f) => f.kind);
  const result: ChaosResult = {
    runId,
    combo: formatFlags(o.flags),
    seed: o.seed,
    nodes: o.nodes,
    durationS: o.durationS,
    clients: o.clients,
    keys: o.keys,
    target: o.target?.spec.file ?? null,
    skipped: o.skipped ?? null,
    outcome,
    verdict: check.verdict,
    failingKey: check.failingKey ?? null,
    problems,
    ops: data.records.length,
    completions: countBy(data.records, (r) => r.result.completion),
    acknowledgedWrites: data.records.filter((r) => r.result.completion === "ok" && (r.f === "write" || r.f === "cas"))
      .length,
    faults: data.faults.length,
    faultKinds,
    // A completed hand-over's event names both nodes, the old leader and the new.
    handOvers: data.faults.filter((f) => f.kind === "transfer-leader" && f.nodes.length === 2).length,
    checkerMs: check.elapsedMs,
    finalWrite: data.finalWrite?.detail ?? "not attempted",
    convergence: data.convergence?.detail ?? "not checked",
    dir,
    page: path.join(dir, "index.html"),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(result.page, renderChaosPage(result, data, check, endMs));
  writeFileSync(path.join(dir, "summary.json"), `${JSON.stringify({ ...result, check }, null, 2)}\n`);
  if (outcome === "pass") {
    for (const sub of ["data", "logs"]) rmSync(path.join(dir, sub), { recursive: true, force: true });
  } else {
    writeFileSync(path.join(dir, "history.jsonl"), historyText(historyOf(data.records)));
  }
  return result;
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
}
