// One chaos run: a real cluster with `--admin`, the clients and the nemesis for the run's duration, then
// every fault healed and the checks of verify.ts, the verdict, and the run's folder:
//   DIR/<run-id>/index.html     the page (page.ts)
//   DIR/<run-id>/summary.json   the figures of the summary line, the problems, the checker result
//   DIR/<run-id>/history.jsonl  the history; with data/ (node directories) and logs/ kept only on failure

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Flags, formatFlags } from "../core/flags.ts";
import { LocalCluster } from "../node/local-cluster.ts";
import { reserveBasePort } from "../node/ports.ts";
import { Clients, keyNames, type Workload } from "./clients.ts";
import { ClusterTarget } from "./cluster-target.ts";
import { Nemesis, planFaults } from "./nemesis.ts";
import { renderChaosPage } from "./page.ts";
import { historyOf, historyText } from "./recording.ts";
import type { ChaosResult } from "./result.ts";
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

/** How long the nodes get to exit on SIGTERM at the end before SIGKILL. */
const STOP_GRACE_MS = 500;

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
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const { nowNs, nowMs, restart: startClock } = runClock();
  let target: ClusterTarget | null = null;
  const ports = await reserveBasePort(o.nodes);
  const cluster = new LocalCluster({
    nodes: o.nodes,
    flags: o.flags,
    basePort: ports.base,
    dataDir: path.join(dir, "data"),
    nodeArgs: [
      "--admin",
      "--snapshot-every",
      String(o.snapshotEvery),
      "--request-timeout-ms",
      String(Math.max(1, o.requestTimeoutMs - 300)),
      "--seed",
      String(o.seed),
    ],
    stdio: "ignore",
    command: (id, argv) => appendOutputTo(path.join(dir, "logs", `node-${id}.log`), argv),
    onExit: (id, code, signal) => target?.onExit(id, code, signal),
  });
  target = new ClusterTarget(cluster, nowMs);
  const keys = keyNames(o.keys);
  const workload: Workload = {
    urls: cluster.ids.map((id) => cluster.clientUrl(id)),
    clients: o.clients,
    keys: o.keys,
    seed: o.seed,
    timeoutMs: o.requestTimeoutMs,
    thinkMs: o.thinkMs,
  };
  const clients = new Clients(workload, nowNs);
  const nemesis = new Nemesis(target, planFaults(o.seed, { nodes: o.nodes, durationMs: o.durationS * 1000 }), nowMs);
  let data: RunData;
  let endMs = 0;
  try {
    cluster.start();
    await cluster.waitForLeader(20_000);
    await waitForEveryNode(cluster, 20_000);
    startClock();
    clients.start();
    const faults = nemesis.run();
    await new Promise((r) => setTimeout(r, o.durationS * 1000));
    nemesis.stop();
    await faults;
    await clients.stop();
    await target.healAll();
    const { finalReads, finalWrite, convergence, finalValues } = await verifyAfterHeal(cluster, workload, keys, nowNs);
    data = {
      records: [...clients.records, ...finalReads],
      faults: nemesis.events,
      crashes: target.crashes,
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
      crashes: target.crashes,
      aborted: (err as Error).message,
    };
  } finally {
    endMs = nowMs();
    // Everything worth keeping is on disk already (fsync'd or lost, as after any crash).
    await cluster.stop(STOP_GRACE_MS);
    ports.release();
  }
  return finishRun(o, runId, dir, data, endMs);
}

/** Judges the collected data, writes the run's folder, and removes history, data and logs of a run that passed. */
export function finishRun(
  o: Pick<ChaosOptions, "nodes" | "flags" | "durationS" | "seed" | "clients" | "keys">,
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

/** Resolves once every node answers /status: a run must not start with a member missing. */
async function waitForEveryNode(cluster: LocalCluster, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const silent = (
      await Promise.all(cluster.ids.map(async (id) => ((await cluster.status(id)) === null ? id : null)))
    ).filter((id) => id !== null);
    if (silent.length === 0) return;
    if (performance.now() > deadline) {
      throw new Error(
        `node ${silent.join(", ")} did not start within ${timeoutMs} ms (see logs/node-${silent[0]}.log)`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
}

/**
 * A node's command line with its stdout and stderr appended to `file`: the shell replaces itself with
 * the node (same pid, so signals reach the node), and the log survives a kill -9 for the failure report.
 */
function appendOutputTo(file: string, argv: readonly string[]): readonly string[] {
  const quoted = `'${file.replace(/'/g, `'\\''`)}'`;
  return ["sh", "-c", `exec "$0" "$@" >>${quoted} 2>&1`, ...argv];
}
