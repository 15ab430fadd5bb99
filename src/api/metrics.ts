// Prometheus metrics of a node (`GET /metrics`): Raft state, request outcomes, per-stage latency
// histograms, transport counters, event-loop utilization, plus Node's default process metrics.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Stage } from "../node/stage-stats.ts";

const ROLES = ["follower", "precandidate", "candidate", "leader"] as const;

export interface MetricsSource {
  status(): { role: string; term: number; commitIndex: number; appliedIndex: number; lastIndex: number };
  /** Event-loop utilization since the last reset, 0..1. */
  elu(): number;
  /** Counters from the peer transport (numbers only are exported). */
  transport(): object;
}

export class NodeMetrics {
  readonly registry = new Registry();
  private readonly stage = new Histogram({
    name: "raftlab_stage_seconds",
    help: "Time a proposal spent in each stage on the leader (queue, append, replicate, apply, total).",
    labelNames: ["stage"],
    buckets: [50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 20e-3, 50e-3, 100e-3, 500e-3, 1, 5],
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: "raftlab_requests_total",
    help: "Client API responses by status code.",
    labelNames: ["code"],
    registers: [this.registry],
  });

  constructor(source: MetricsSource) {
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
    gauge("raftlab_event_loop_utilization", "Event-loop utilization since the last stats reset (0..1).", () => source.elu());
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

  /** Per-stage children, bound once: observing through labels hashes them on every call. */
  private readonly stageChildren = new Map<Stage, { observe(v: number): void }>();

  observeStage(stage: Stage, us: number): void {
    let child = this.stageChildren.get(stage);
    if (!child) this.stageChildren.set(stage, (child = this.stage.labels({ stage })));
    child.observe(us / 1e6);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
