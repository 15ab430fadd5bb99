// One benchmark cell: a fresh cluster, its leader found, load on the leader (warm-up, then the
// measured window during which every member's statistics are reset and scraped), the cluster torn
// down. Whatever goes wrong becomes a cell with status "failed" and the reason.

import { KNOB_NAMES, KNOB_OPTIONS } from "../src/core/config.ts";
import { parseFlags } from "../src/core/flags.ts";
import type { ClusterAccess } from "../src/node/remote-cluster.ts";
import { type Injection, parseEvent } from "./events/event.ts";
import { eventCost } from "./events/metrics.ts";
import { EventRunner } from "./events/runner.ts";
import type { LoadRunner } from "./load/loadgen.ts";
import type { LoadResult, LoadSpec } from "./load/spec.ts";
import type { Cell, CellConfig, ProcessUsage } from "./results.ts";
import { type SchedReadings, SchedWindow } from "./sched-window.ts";
import { EtcdSystem } from "./systems/etcd.ts";
import { RaftlabSystem } from "./systems/raftlab.ts";
import { RemoteSystem } from "./systems/remote.ts";
import { round3, type Scrape, type SystemUnderTest } from "./systems/system.ts";

/** A cell whose requests failed more often than this is recorded as failed (its figures are kept). */
const MAX_ERROR_FRACTION = 0.01;
/** The series' interval in a cell with events: fine enough to see an election, coarse enough for a p99. */
const EVENT_INTERVAL_MS = 20;

/** ms since the Unix epoch, comparable with the load generator's (another process). */
const epochMs = (): number => performance.timeOrigin + performance.now();

export interface CellContext {
  readonly loadgen: LoadRunner;
  readonly leaderTimeoutMs: number;
  readonly maxOutstanding: number;
  readonly nodeArgs: readonly string[];
  readonly verbose: boolean;
  /** A running cluster to measure instead of starting one per cell (`--target`). */
  readonly target: ClusterAccess | null;
  /** Told about the system under test as soon as it exists, so Ctrl-C can stop it. */
  onSystem(system: SystemUnderTest): void;
}

/** The `raftlab node` options that put a node in the cell's environment. */
export function nodeArgsFor(c: CellConfig): string[] {
  return [
    // An election timeout of 600–1200 ms, near etcd's default of 1 s: with 3–7 nodes and the load
    // generator sharing two cores, the node default (150–300 ms) lets a starved follower start an
    // election mid-cell, and such a cell measures the election, not the flags. Options after "--"
    // on the bench command line come later and win.
    "--election-ticks",
    "40",
    "--fsync-delay-us",
    String(c.fsyncDelayUs),
    "--apply-cost-us",
    String(c.applyCostUs),
    "--net-delay",
    String(c.netDelayMs),
    "--net-jitter",
    String(c.netJitterMs),
    "--net-loss",
    String(c.netLoss),
    ...KNOB_NAMES.flatMap((k) => (c[k] === undefined ? [] : [KNOB_OPTIONS[k].option, String(c[k])])),
    // A stale read is the client's choice; the nodes' own mode is readindex (their default) or lease.
    ...(c.readMode === "lease" ? ["--read-mode", "lease"] : []),
    // Events cut links and change the fsync delay through /admin.
    ...(c.events?.length ? ["--admin"] : []),
  ];
}

export async function runCell(c: CellConfig, ctx: CellContext): Promise<Cell> {
  const startedAt = new Date().toISOString();
  const system: SystemUnderTest =
    c.system === "etcd"
      ? new EtcdSystem({ size: c.size, leaderTimeoutMs: ctx.leaderTimeoutMs })
      : ctx.target
        ? new RemoteSystem({
            target: ctx.target,
            flags: parseFlags(c.flags),
            leaderTimeoutMs: ctx.leaderTimeoutMs,
            readMode: c.readMode,
          })
        : new RaftlabSystem({
            size: c.size,
            flags: parseFlags(c.flags),
            nodeArgs: [...nodeArgsFor(c), ...ctx.nodeArgs],
            leaderTimeoutMs: ctx.leaderTimeoutMs,
            verbose: ctx.verbose,
          });
  ctx.onSystem(system);
  const events = (c.events ?? []).map(parseEvent);
  let runner: EventRunner | null = null;
  try {
    const target = await system.start();
    runner =
      events.length === 0 ? null : new EventRunner(events, system.eventTarget?.() ?? noEventTarget(c.system), epochMs);
    let injected: Injection[] = [];
    let scrape: Scrape | null = null;
    const spec: LoadSpec = {
      target,
      nodes: system.clientUrls(),
      protocol: system.protocol,
      mode:
        c.connections !== null
          ? { kind: "closed", connections: c.connections }
          : { kind: "open", rate: c.rate!, maxOutstanding: ctx.maxOutstanding },
      warmupS: c.warmupS,
      durationS: c.durationS,
      valueSize: c.valueSize,
      keys: c.keys,
      keyDist: c.keyDist,
      readRatio: c.readRatio,
      ...(c.readMode === "stale" ? { staleReads: true } : {}),
      seed: c.rep + 1,
      ...(runner ? { intervalMs: EVENT_INTERVAL_MS, logSuccesses: true } : {}),
    };
    let window: SchedWindow | null = null;
    let sched: SchedReadings | null = null;
    const load = await ctx.loadgen.run(spec, {
      onMeasureStart: (atEpochMs) => {
        runner?.start(atEpochMs);
        const loadgenPid = ctx.loadgen.pid;
        window = new SchedWindow(
          new Map([...system.pids(), ...(loadgenPid === undefined ? [] : [["loadgen", loadgenPid] as const])]),
        );
        return system.resetStats();
      },
      onMeasureEnd: async () => {
        sched = window!.close();
        if (runner) injected = await runner.stop();
        scrape = await system.scrape();
      },
    });
    const perOp = (cpu: number): number | null =>
      load.throughput > 0 ? Math.round((cpu / load.throughput) * 1e7) / 10 : null;
    const usage: ProcessUsage[] = [
      ...scrape!.usage,
      { process: "loadgen", role: "loadgen", cpu: round3(load.cpu), elu: round3(load.elu) },
    ].map((u) => ({ ...u, cpuUsPerOp: perOp(u.cpu), runQueueWait: sched!.runQueueWait[u.process] ?? null }));
    // A cell with events is not judged by its error count: the errors are what it measures.
    const failure = system.failure() ?? (runner ? noSuccess(load) : errorFailure(load));
    return {
      ...c,
      status: failure ? "failed" : "ok",
      ...(failure ? { error: failure } : {}),
      ...(load.workers ? { loadWorkers: load.workers } : {}),
      throughput: round1(load.throughput),
      latencyMs: load.latency.latencyMs,
      percentiles: load.latency.percentiles,
      errors: load.errors,
      requests: load.requests,
      ...(load.reads
        ? { reads: { throughput: round1(load.reads.throughput), latencyMs: load.reads.latency.latencyMs } }
        : {}),
      stagesMs: scrape!.stagesMs,
      cpu: usage,
      elu: Object.fromEntries(usage.map((u) => [u.process, u.elu])),
      series: load.series,
      stealCores: sched!.stealCores,
      machineBusyCores: sched!.busyCores,
      ...(system.topology ? { topology: system.topology() } : {}),
      ...(scrape!.mechanism ? { mechanism: scrape!.mechanism } : {}),
      ...(runner ? { eventCosts: injected.map((inj) => eventCost(inj, load.successes!, load.series)) } : {}),
      startedAt,
    };
  } catch (err) {
    return failedCell(c, system.failure() ?? (err as Error).message, startedAt);
  } finally {
    runner?.cancel();
    await system.stop();
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

type Outcomes = Pick<LoadResult, "ok" | "errors" | "requests" | "errorKinds">;

function noSuccess(load: Outcomes): string | null {
  return load.ok === 0 ? `no request succeeded (${describeErrors(load)})` : null;
}

/** Why a cell's outcomes make it a failed cell (no success, or too many errors); null if they do not. */
export function errorFailure(load: Outcomes): string | null {
  const none = noSuccess(load);
  if (none) return none;
  if (load.errors <= load.requests * MAX_ERROR_FRACTION) return null;
  return `${load.errors} of ${load.requests} requests failed (${describeErrors(load)})`;
}

function describeErrors(load: Outcomes): string {
  const kinds = Object.entries(load.errorKinds).sort((a, b) => b[1] - a[1]);
  return kinds.length === 0 ? "no response at all" : kinds.map(([k, n]) => `${k} ×${n}`).join(", ");
}

function noEventTarget(system: string): never {
  throw new Error(`${system} cells cannot take events: the bench injects them only into clusters it starts`);
}

export function failedCell(c: CellConfig, error: string, startedAt: string): Cell {
  return {
    ...c,
    status: "failed",
    error,
    throughput: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 },
    percentiles: [],
    errors: 0,
    requests: 0,
    stagesMs: null,
    cpu: [],
    elu: {},
    startedAt,
  };
}
