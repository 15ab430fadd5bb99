// Prometheus metrics of a node (`GET /metrics`): Raft state, request outcomes, per-stage latency
// histograms, transport counters, event-loop utilization, plus Node's default process metrics.

import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import {
  BUCKET_BOUNDS,
  MECHANISM_NAMES,
  MECHANISMS,
  type Mechanism,
  type MechanismCounters,
} from "../node/mechanism-counters.ts";
import { STAGES, type Stage } from "../node/stage-stats.ts";

const ROLES = ["follower", "precandidate", "candidate", "leader"] as const;

export interface MetricsSource {
  status(): { role: string; term: number; commitIndex: number; appliedIndex: number; lastIndex: number };
  /** Event-loop utilization since the last reset, 0..1. */
  elu(): number;
  /** Counters from the peer transport (numbers only are exported). */
  transport(): object;
  /** Key-value requests in flight on the client API. */
  inflight(): number;
  /** What the optimizations did (exported as one histogram per mechanism). */
  readonly counters: MechanismCounters;
}

type Sample = { metricName: string; labels: Record<string, string | number>; value: number };

/**
 * Prometheus histogram samples from plain per-bucket counts (`counts` has one more entry than
 * `bounds`: the values above every bound), each bound divided by `divisor` on output (µs → s).
 */
function histogramSamples(
  name: string,
  labels: Record<string, string>,
  bounds: readonly number[],
  divisor: number,
  counts: ArrayLike<number>,
  sum: number,
): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((bound, b) => {
    cumulative += counts[b]!;
    out.push({ metricName: `${name}_bucket`, labels: { le: bound / divisor, ...labels }, value: cumulative });
  });
  cumulative += counts[bounds.length]!;
  out.push({ metricName: `${name}_bucket`, labels: { le: "+Inf", ...labels }, value: cumulative });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: cumulative });
  return out;
}

/** Prometheus name of a mechanism histogram: `appendInflight` → `raftlab_append_inflight`. */
function mechanismMetricName(m: Mechanism): string {
  return `raftlab_${m.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

/** One mechanism histogram as a prom-client custom metric (see StageHistogram for why not prom-client's). */
function mechanismMetric(counters: MechanismCounters, m: Mechanism) {
  const name = mechanismMetricName(m);
  return {
    name,
    help: MECHANISMS[m],
    type: "histogram",
    aggregator: "sum",
    async get() {
      const h = counters[m];
      return {
        name,
        help: MECHANISMS[m],
        type: "histogram",
        aggregator: "sum",
        values: histogramSamples(name, {}, BUCKET_BOUNDS, 1, h.buckets, h.sum),
      };
    },
    reset() {},
  };
}

/** Upper bounds of the stage histogram's buckets, in microseconds (50 µs to 5 s). */
const STAGE_BOUNDS_US = [50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 20e3, 50e3, 100e3, 500e3, 1e6, 5e6];

/**
 * The per-stage latency histogram as plain bucket counts, exposed to prom-client as a custom metric
 * (an object with `get()`, formatted like its own). prom-client's Histogram hashes the label set on
 * every observation, and the leader observes five stages per proposal on its busiest path; here an
 * observation is a short scan and two increments.
 */
class StageHistogram {
  readonly name = "raftlab_stage_seconds";
  readonly help = "Time a proposal spent in each stage on the leader (queue, append, replicate, apply, total).";
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** Per stage: a count per bucket (not cumulative), the last one for values above every bound. */
  private readonly counts = STAGES.map(() => new Float64Array(STAGE_BOUNDS_US.length + 1));
  private readonly sumsUs = new Float64Array(STAGES.length);

  observe(stage: Stage, us: number): void {
    const i = STAGES.indexOf(stage);
    let b = 0;
    while (b < STAGE_BOUNDS_US.length && us > STAGE_BOUNDS_US[b]!) b++;
    this.counts[i]![b]!++;
    this.sumsUs[i]! += us;
  }

  async get() {
    const values = STAGES.flatMap((stage, i) =>
      histogramSamples(this.name, { stage }, STAGE_BOUNDS_US, 1e6, this.counts[i]!, this.sumsUs[i]! / 1e6),
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const c of this.counts) c.fill(0);
    this.sumsUs.fill(0);
  }
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly stage = new StageHistogram();
  /**
   * Responses by status code, counted in a plain map and handed to prom-client at scrape time: its
   * Counter hashes the label set on every increment, once per request on the leader's busiest path.
   */
  private readonly responses = new Map<number, number>();
  readonly overloaded = new Counter({
    name: "raftlab_requests_overloaded_total",
    help: "Client requests refused with 503 overloaded: --max-inflight-requests were in flight.",
    registers: [this.registry],
  });

  constructor(source: MetricsSource) {
    // prom-client's registry formats any object with its metric shape; its types want a Metric class.
    const register = (metric: object): void =>
      this.registry.registerMetric(metric as unknown as Parameters<Registry["registerMetric"]>[0]);
    register(this.stage);
    const responses = this.responses;
    new Counter({
      name: "raftlab_requests_total",
      help: "Client API responses by status code.",
      labelNames: ["code"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [code, n] of responses) this.inc({ code }, n);
      },
    });
    for (const m of MECHANISM_NAMES) register(mechanismMetric(source.counters, m));
    collectDefaultMetrics({ register: this.registry, prefix: "raftlab_process_" });
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(value());
        },
      });
    };
    gauge("raftlab_term", "Current Raft term.", () => source.status().term);
    gauge("raftlab_commit_index", "Highest index known committed.", () => source.status().commitIndex);
    gauge("raftlab_applied_index", "Highest index applied to the state machine.", () => source.status().appliedIndex);
    gauge("raftlab_last_index", "Index of the last log entry.", () => source.status().lastIndex);
    gauge("raftlab_inflight_requests", "Key-value requests in flight on the client API.", () => source.inflight());
    gauge("raftlab_event_loop_utilization", "Event-loop utilization since the last stats reset (0..1).", () =>
      source.elu(),
    );
    new Gauge({
      name: "raftlab_role",
      help: "1 for the node's current role.",
      labelNames: ["role"],
      registers: [this.registry],
      collect() {
        const role = source.status().role;
        for (const r of ROLES) this.set({ role: r }, r === role ? 1 : 0);
      },
    });
    new Gauge({
      name: "raftlab_transport",
      help: "Peer transport counters (frames, messages, drops, reconnects).",
      labelNames: ["counter"],
      registers: [this.registry],
      collect() {
        for (const [k, v] of Object.entries(source.transport())) if (typeof v === "number") this.set({ counter: k }, v);
      },
    });
  }

  countResponse(code: number): void {
    this.responses.set(code, (this.responses.get(code) ?? 0) + 1);
  }

  observeStage(stage: Stage, us: number): void {
    this.stage.observe(stage, us);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
