// TEST FIXTURE: a made-up but plausible `Results` object for the report tests. Every figure here is
// invented by a simple model (latency = fsyncs + round trips, Little's law for throughput, ±4 %
// seeded noise per repetition); none of it is a measurement.

import { failedCell } from "../../../bench/cell.ts";
import type {
  Cell,
  CellConfig,
  CellEvent,
  CellMechanism,
  PercentilePoint,
  ProcessUsage,
  Results,
  StageTimings,
  TimeSeries,
} from "../../../bench/results.ts";
import { allCombos, type Flags, formatFlags, parseFlags } from "../../../src/core/flags.ts";
import { type Rng, seededRng } from "../../../src/core/rng.ts";

export const SAMPLE_SIZES = [3, 5] as const;
export const SAMPLE_CONNECTIONS = [1, 32, 128] as const;
export const SAMPLE_REPS = 2;

/** The cells the fixture marks as failed: [flags, size, connections, rep, error]. */
export const SAMPLE_FAILURES: readonly (readonly [string, number, number, number, string])[] = [
  ["batch+async-apply", 5, 128, 1, "no leader elected within 10 s"],
  ["pipeline", 3, 32, 0, 'node-2 exited with code 1: "RangeError: offset out of range"'],
  ["none", 5, 1, 1, "load generator: 412 of 980 requests failed (timeout)"],
];

const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

const BASE_CONFIG: CellConfig = {
  system: "raftlab",
  flags: "none",
  size: 3,
  connections: 1,
  rate: null,
  rep: 0,
  durationS: 5,
  warmupS: 1,
  valueSize: 128,
  keys: 100_000,
  keyDist: "uniform",
  readRatio: 0,
  netDelayMs: 0,
  netJitterMs: 0,
  netLoss: 0,
  fsyncDelayUs: 0,
  applyCostUs: 0,
};

/** A successful cell with the given config, throughput and p50 (the other figures follow from them). */
export function makeCell(config: Partial<CellConfig>, throughput: number, p50Ms: number): Cell {
  const c = { ...BASE_CONFIG, ...config };
  const p99 = p50Ms * 2.6;
  const cpu = usageFor(c.system, c.size, Math.min(1, throughput / 12_000));
  return {
    ...c,
    status: "ok",
    throughput,
    latencyMs: { p50: p50Ms, p90: p50Ms * 1.7, p99, p999: p99 * 1.8, max: p99 * 3.5, mean: p50Ms * 1.15 },
    percentiles: percentilesFor(p50Ms),
    errors: 0,
    requests: Math.round(throughput * c.durationS),
    stagesMs: c.system === "raftlab" ? stagesFor(p50Ms, c.fsyncDelayUs) : null,
    cpu,
    elu: Object.fromEntries(cpu.map((u) => [u.process, u.elu])),
    series: seriesFor(throughput, p50Ms, c.durationS),
    ...(c.system === "raftlab" ? { mechanism: mechanismFor(parseFlags(c.flags), c.connections ?? 1, throughput) } : {}),
    startedAt: "2025-11-25T15:00:00.000Z",
  };
}

/** 100 ms intervals: steady throughput with a stall at 40 % of the window, latency spiking after it. */
function seriesFor(throughput: number, p50: number, durationS: number): TimeSeries {
  const n = Math.round(durationS * 10);
  const stall = Math.floor(n * 0.4);
  const ok = Array.from({ length: n }, (_, i) => (i === stall ? 0 : Math.round(throughput / 10)));
  const p = (f: number) => ok.map((k, i) => (k === 0 ? null : round(p50 * f * (i === stall + 1 ? 6 : 1), 3)));
  return { intervalMs: 100, windowMs: durationS * 1000, ok, errors: ok.map(() => 0), p50Ms: p(1), p99Ms: p(2.6) };
}

/** Counters as the mechanisms would make them: batches grow with load, the window with pipelining. */
function mechanismFor(f: Flags, connections: number, throughput: number): CellMechanism {
  const perFsync = f.batch ? Math.max(1, connections / 3) : 1;
  const inflight = f.pipeline ? Math.min(8, Math.max(1, connections / 16)) : 1;
  return {
    summary: {
      entriesPerLeaderFsync: round(perFsync, 3),
      leaderFsyncsPerS: round(throughput / perFsync, 3),
      entriesPerAppend: round(f.batch ? perFsync / inflight : 1, 3),
      inflightMean: round(inflight, 3),
      inflightMax: f.pipeline ? 2 ** Math.ceil(Math.log2(inflight * 1.5)) : 1,
      followerFsyncsPerS: round(throughput / perFsync, 3),
      entriesPerFollowerFsync: round(perFsync, 3),
      applyBatchMean: round(f.asyncApply ? perFsync * 1.5 : perFsync, 3),
      queueDepthMean: round(f.batch ? perFsync : 1, 3),
      queueDepthMax: 2 ** Math.ceil(Math.log2(Math.max(1, perFsync * 2))),
      bytesPerWrite: round(perFsync * 150, 3),
    },
    // The report reads the summary only.
    nodes: [],
  };
}

/** A failed cell: zero figures, the reason in `error` (built as the sweep builds one). */
export function makeFailedCell(config: Partial<CellConfig>, error: string): Cell {
  return failedCell({ ...BASE_CONFIG, ...config }, error, "2025-11-25T15:00:00.000Z");
}

/** A minimal run header around the given cells. */
export function makeResults(cells: readonly Cell[], id = "20251125-150000-sample"): Results {
  return {
    run: {
      id,
      startedAt: "2025-11-25T15:00:00.000Z",
      finishedAt: "2025-11-25T15:05:12.000Z",
      machine: {
        hostname: "lab-box",
        cpuModel: "Intel(R) Xeon(R) CPU @ 2.20GHz",
        cores: 2,
        memoryBytes: 8 * 1024 ** 3,
        platform: "linux-x64",
        kernel: "6.1.0-18-cloud-amd64",
        node: "v20.20.2",
        raftlab: "0.1.0",
        commit: "b82053d0000000000000000000000000000000ab",
      },
      versions: { node: "v20.20.2", raftlab: "0.1.0", uws: "20.30.0", etcd: "3.4.23" },
      commit: "b82053d0000000000000000000000000000000ab",
      options: {
        sizes: [3, 5],
        flags: "all-combos",
        connections: [1, 32, 128],
        reps: SAMPLE_REPS,
        durationS: 5,
        peer: "etcd",
      },
    },
    cells,
  };
}

/** The full sample: 16 combinations × sizes 3, 5 × connections 1, 32, 128 × 2 reps, an etcd row, 3 failures. */
export function sampleResults(seed = 42): Results {
  const rng = seededRng(seed);
  const cells: Cell[] = [];
  const systems: { system: string; flags: Flags | null }[] = [
    ...allCombos().map((flags) => ({ system: "raftlab", flags })),
    { system: "etcd", flags: null },
  ];
  for (const { system, flags } of systems) {
    for (const size of SAMPLE_SIZES) {
      for (const connections of SAMPLE_CONNECTIONS) {
        for (let rep = 0; rep < SAMPLE_REPS; rep++) {
          const combo = flags ? formatFlags(flags) : "none";
          const config = { system, flags: combo, size, connections, rep };
          const failure =
            system === "raftlab" &&
            SAMPLE_FAILURES.find((f) => f[0] === combo && f[1] === size && f[2] === connections && f[3] === rep);
          if (failure) {
            cells.push(makeFailedCell(config, failure[4]));
            continue;
          }
          const throughput = modelThroughput(flags, size, connections) * noise(rng);
          // Closed loop: Little's law gives the mean latency; p50 sits a little below it.
          const p50 = (connections / throughput) * 1000 * 0.87 * noise(rng);
          cells.push(makeCell(config, round(throughput, 1), round(p50, 3)));
        }
      }
    }
  }
  return {
    ...makeResults(cells),
    correctness: Object.fromEntries(allCombos().map((f) => [formatFlags(f), "linearizable"])),
  };
}

function modelThroughput(flags: Flags | null, size: number, connections: number): number {
  const sizeFactor = size === 3 ? 1 : 0.82;
  if (!flags) return [480, 2_600, 3_400][SAMPLE_CONNECTIONS.indexOf(connections as 1)]! * sizeFactor;
  const load = SAMPLE_CONNECTIONS.indexOf(connections as 1); // 0, 1, 2
  let t = [560, 900, 950][load]!;
  if (flags.batch) t *= [1, 5.2, 9.5][load]!;
  if (flags.pipeline) t *= [1, 1.12, 1.18][load]!;
  if (flags.parallelAppend) t *= [1.22, 1.08, 1.04][load]!;
  if (flags.asyncApply) t *= [1, 1.01, 1.02][load]!;
  return t * sizeFactor;
}

function percentilesFor(p50: number): PercentilePoint[] {
  // A right-skewed shape: flat body, tail from p90 on.
  const shape = [0.35, 0.7, 0.85, 1, 1.25, 1.7, 2, 2.6, 3.1, 4.7, 5.6, 7.4, 9.1];
  return PERCENTILES.map((percentile, i) => ({ percentile, ms: round(p50 * shape[i]!, 4) }));
}

function stagesFor(p50: number, fsyncDelayUs: number): StageTimings {
  const stage = (mean: number) => ({ p50: round(mean * 0.9, 4), p99: round(mean * 3, 4), mean: round(mean, 4) });
  const append = 0.12 + fsyncDelayUs / 1000;
  return {
    queue: stage(p50 * 0.15),
    append: stage(append),
    replicate: stage(p50 * 0.7),
    apply: stage(p50 * 0.05),
    total: stage(p50 * 0.9),
  };
}

function usageFor(system: string, size: number, load: number): ProcessUsage[] {
  const prefix = system === "raftlab" ? "node" : system;
  const out: ProcessUsage[] = [];
  for (let i = 1; i <= size; i++) {
    const leader = i === 1;
    out.push({
      process: `${prefix}-${i}`,
      role: leader ? "leader" : "follower",
      cpu: round((leader ? 0.25 : 0.1) + load * (leader ? 0.7 : 0.3), 3),
      elu: round((leader ? 0.3 : 0.12) + load * (leader ? 0.65 : 0.3), 3),
    });
  }
  out.push({ process: "loadgen", role: "loadgen", cpu: round(0.1 + load * 0.5, 3), elu: round(0.15 + load * 0.5, 3) });
  return out;
}

function noise(rng: Rng): number {
  return 0.96 + rng.next() * 0.08;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A knob sweep: three combinations × --max-inflight 1,2,4,16,64 × sizes 3, 5, throughput with a knee at 4. */
export function knobSweepResults(): Results {
  const cells: Cell[] = [];
  for (const flags of ["none", "pipeline", "batch+pipeline"]) {
    for (const size of SAMPLE_SIZES) {
      for (const maxInflight of [1, 2, 4, 16, 64]) {
        const window = flags === "none" ? 1 : Math.min(4, maxInflight);
        const throughput =
          (flags.startsWith("batch") ? 9000 : 1200) * (1 + 0.3 * Math.log2(window)) * (size === 3 ? 1 : 0.85);
        cells.push(
          makeCell(
            { flags, size, connections: 128, maxInflight },
            round(throughput, 1),
            round((128 / throughput) * 870, 3),
          ),
        );
      }
    }
  }
  return makeResults(cells, "20251125-160000-knobs");
}

/**
 * An event run (`--preset events`-like): none, batch and all on 3 nodes at 200 req/s, 2 repetitions,
 * each cell with a leader kill at 2 s (a stall of `stallMs`) and a follower pause at 6 s (none).
 */
export function eventResults(): Results {
  const stalls: Record<string, readonly [number, number]> = {
    none: [740, 700],
    batch: [720, 760],
    [formatFlags(parseFlags("all"))]: [730, 910],
  };
  const cells = Object.entries(stalls).flatMap(([flags, perRep]) =>
    perRep.map((stallMs, rep) => ({
      ...makeCell({ flags, rep, connections: null, rate: 200, durationS: 10, events: EVENTS }, 180, 1.4),
      eventCosts: [
        eventCost("kill-leader@2", "kill-leader", 2003, stallMs),
        eventCost("pause-follower:1000@6", "pause-follower", 6001, 0),
      ],
    })),
  );
  return makeResults(cells, "20251125-160000-events");
}

const EVENTS = ["kill-leader@2", "pause-follower:1000@6"];

/** An event's cost at 200 req/s with a stall of `stallMs` right after it (none when 0). */
function eventCost(event: string, kind: string, injectedAtMs: number, stallMs: number): CellEvent {
  const intervalMs = 20;
  const n = 200; // 2 s each way
  const ok = Array.from({ length: n }, (_, i) => (i >= 100 && (i - 100) * intervalMs < stallMs ? 0 : 4));
  return {
    event,
    kind,
    detail: `${kind} (made up)`,
    nodes: [1],
    injectedAtMs,
    firstSuccessMs: stallMs > 0 ? stallMs : 1.2,
    unavailableMs: stallMs > 0 ? stallMs + 4 : 9,
    unavailableFromEventMs: stallMs > 0 ? -4 : 300,
    unavailableToEventMs: stallMs > 0 ? stallMs : 309,
    compareMs: 2000,
    before: { throughput: 200, p99Ms: 4.5 },
    after: { throughput: round(200 * (1 - stallMs / 2000), 1), p99Ms: stallMs > 0 ? 9 : 5 },
    series: {
      intervalMs,
      startFromEventMs: -2000,
      ok,
      errors: ok.map((k) => (k === 0 ? 4 : 0)),
      p99Ms: ok.map((k) => (k === 0 ? null : 4.5)),
    },
  };
}
