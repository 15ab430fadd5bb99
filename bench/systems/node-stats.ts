// The measured window of a raftlab cluster's statistics, read over each node's HTTP API: reset
// every node's stage and CPU figures at the window's start (keeping its mechanism counters as the
// baseline), and at its end read every node's GET /stats. Shared by the clusters the bench starts
// and the ones it only targets.

import type { NodeClient } from "../../src/node/api-client.ts";
import type { NodeStats } from "../../src/node/api-types.ts";
import type { CounterSnapshot } from "../../src/node/mechanism-counters.ts";
import type { StageSummary } from "../../src/node/stage-stats.ts";
import { cellMechanism, nodeMechanism } from "../mechanism.ts";
import type { ProcessUsage, StageTimings } from "../results.ts";
import { round3, type Scrape } from "./system.ts";

export class NodeStatsWindow {
  /** Each node's mechanism counters when the measured window opened. */
  private readonly baseline = new Map<number, CounterSnapshot>();

  /** @param clients every node's API client, by node id */
  constructor(private readonly clients: ReadonlyMap<number, NodeClient>) {}

  async reset(): Promise<void> {
    await Promise.all(
      [...this.clients].map(async ([id, client]) => {
        await client.resetStats();
        this.baseline.set(id, (await client.stats()).mechanism);
      }),
    );
  }

  /** The window so far; the stages are the leader's. */
  async scrape(leader: number): Promise<Scrape> {
    const ids = [...this.clients.keys()];
    const stats = await Promise.all([...this.clients.values()].map((c) => c.stats()));
    const usage: ProcessUsage[] = stats.map((s, i) => ({
      process: `node-${ids[i]}`,
      role: s.status.role,
      cpu: round3((s.cpu.userMs + s.cpu.systemMs) / s.cpu.wallMs),
      elu: round3(s.elu),
    }));
    const leaderStats = stats[ids.indexOf(leader)]!;
    // The stage and CPU windows restarted at the reset; the counters are diffed against the baseline.
    const mechanism = cellMechanism(
      stats.map((s, i) => {
        const id = ids[i]!;
        return nodeMechanism(
          `node-${id}`,
          s.status.role,
          s.cpu.wallMs / 1000,
          this.baseline.get(id) ?? s.mechanism,
          s.mechanism,
        );
      }),
    );
    return { stagesMs: stagesMs(leaderStats.stagesUs), usage, mechanism };
  }
}

function stagesMs(us: NodeStats["stagesUs"]): StageTimings {
  const ms = (s: StageSummary) => ({ p50: s.p50Us / 1000, p99: s.p99Us / 1000, mean: round3(s.meanUs / 1000) });
  return {
    queue: ms(us.queue),
    append: ms(us.append),
    replicate: ms(us.replicate),
    apply: ms(us.apply),
    total: ms(us.total),
  };
}
