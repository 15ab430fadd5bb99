// The measured window of a raftlab cluster's statistics, read over each node's HTTP API: reset
// every node's stage and CPU figures at the window's start (keeping its mechanism counters as the
// baseline), and at its end read every node's GET /stats. Shared by the clusters the bench starts
// and the ones it only targets.

import type { NodeClient } from "../../src/node/api-client.ts";
import type { NodeStats } from "../../src/node/api-types.ts";
import { type CounterSnapshot, MechanismCounters } from "../../src/node/mechanism-counters.ts";
import type { StageSummary } from "../../src/node/stage-stats.ts";
import { cellMechanism, nodeMechanism } from "../mechanism.ts";
import type { ProcessUsage, StageTimings } from "../results.ts";
import { round3, type Scrape } from "./system.ts";

export class NodeStatsWindow {
  /** Each node's process and mechanism counters when the measured window opened. */
  private readonly baseline = new Map<number, { readonly pid: number; readonly counters: CounterSnapshot }>();

  /** @param clients every node's API client, by node id */
  constructor(private readonly clients: ReadonlyMap<number, NodeClient>) {}

  async reset(): Promise<void> {
    await Promise.all(
      [...this.clients].map(async ([id, client]) => {
        await client.resetStats();
        const s = await client.stats();
        this.baseline.set(id, { pid: s.status.pid, counters: s.mechanism });
      }),
    );
  }

  /**
   * The window so far; the stages are those of the leader now (an event may have replaced the one
   * the cell started with; `leader` stands in when none answers as leader).
   */
  async scrape(leader: number): Promise<Scrape> {
    const ids = [...this.clients.keys()];
    const stats = await Promise.all([...this.clients.values()].map((c) => c.stats()));
    const usage: ProcessUsage[] = stats.map((s, i) => ({
      process: `node-${ids[i]}`,
      role: s.status.role,
      cpu: round3((s.cpu.userMs + s.cpu.systemMs) / s.cpu.wallMs),
      elu: round3(s.elu),
    }));
    const leaders = stats.filter((s) => s.status.role === "leader").sort((a, b) => b.status.term - a.status.term);
    const leaderStats = leaders[0] ?? stats[ids.indexOf(leader)]!;
    // The stage and CPU windows restarted at the reset; the counters are diffed against the baseline.
    const mechanism = cellMechanism(
      stats.map((s, i) => {
        const id = ids[i]!;
        const base = this.baseline.get(id);
        // A node restarted within the window (an event killed it) counts from its start.
        const before = base === undefined ? s.mechanism : base.pid === s.status.pid ? base.counters : ZERO;
        return nodeMechanism(`node-${id}`, s.status.role, s.cpu.wallMs / 1000, before, s.mechanism);
      }),
    );
    return { stagesMs: stagesMs(leaderStats.stagesUs), usage, mechanism };
  }
}

const ZERO = new MechanismCounters().snapshot();

/** The leader's stage summaries (µs) as a cell records them (ms). */
export function stagesMs(us: NodeStats["stagesUs"]): StageTimings {
  const ms = (s: StageSummary) => ({ p50: s.p50Us / 1000, p99: s.p99Us / 1000, mean: round3(s.meanUs / 1000) });
  return {
    queue: ms(us.queue),
    append: ms(us.append),
    replicate: ms(us.replicate),
    apply: ms(us.apply),
    total: ms(us.total),
  };
}
