// raftlab under test on a cluster that runs elsewhere, described by its cluster file
// (`raftlab bench --target FILE`): nothing is started or stopped here. Each cell switches every
// node to the cell's combination (POST /admin/flags, taken at a safe point), finds the leader, and
// measures the round trip from the load generator to it; the statistics are read as for a local
// cluster. The nodes stay on the last combination measured. Their read mode is the one they were
// started with: a cell that names the leader's read mode fails when they run another.

import type { Flags } from "../../src/core/flags.ts";
import type { NodeClient } from "../../src/node/api-client.ts";
import { type ClusterAccess, RemoteCluster } from "../../src/node/remote-cluster.ts";
import type { BenchReadMode, CellTopology } from "../results.ts";
import { NodeStatsWindow } from "./node-stats.ts";
import type { Scrape, SystemUnderTest } from "./system.ts";

/** Round trips timed to the leader before each cell; the median is recorded. */
const RTT_PROBES = 15;

export class RemoteSystem implements SystemUnderTest {
  readonly protocol = "raftlab";
  private readonly cluster: RemoteCluster;
  private readonly window: NodeStatsWindow;
  private leader = 0;
  private rttMs: number | null = null;

  constructor(
    private readonly o: {
      readonly target: ClusterAccess;
      readonly flags: Flags;
      readonly leaderTimeoutMs: number;
      /** The cell's read mode (`bench --read-mode`), if any. */
      readonly readMode?: BenchReadMode;
    },
  ) {
    this.cluster = new RemoteCluster(o.target);
    this.window = new NodeStatsWindow(new Map(this.cluster.ids.map((id) => [id, this.cluster.client(id)])));
  }

  async start(): Promise<string> {
    await this.cluster.switchFlags(this.o.flags);
    this.leader = await this.cluster.waitForLeader(this.o.leaderTimeoutMs);
    await this.checkReadMode();
    this.rttMs = await medianRoundTrip(this.cluster.client(this.leader));
    return this.cluster.clientUrl(this.leader);
  }

  /** A cell of leader reads measures the mode the nodes run: the leader's must be the cell's. */
  private async checkReadMode(): Promise<void> {
    const wanted = this.o.readMode;
    if (wanted === undefined || wanted === "stale") return;
    const { readMode } = await this.cluster.client(this.leader).status();
    if (readMode !== wanted)
      throw new Error(
        `the cell measures ${wanted} reads, but the targeted nodes serve reads by ${readMode} (the mode they were started with)`,
      );
  }

  clientUrls(): readonly string[] {
    return this.cluster.ids.map((id) => this.cluster.clientUrl(id));
  }

  failure(): string | null {
    return null;
  }

  resetStats(): Promise<void> {
    return this.window.reset();
  }

  scrape(): Promise<Scrape> {
    return this.window.scrape(this.leader);
  }

  /** Processes on other hosts: no scheduler readings. */
  pids(): ReadonlyMap<string, number> {
    return new Map();
  }

  topology(): CellTopology {
    return {
      target: this.o.target.spec.file,
      nodes: this.clientUrls(),
      leader: this.leader,
      rttMs: this.rttMs,
    };
  }

  /** The cluster is not ours to stop. */
  async stop(): Promise<void> {}
}

/** Median of RTT_PROBES GET /status round trips, in ms. */
async function medianRoundTrip(client: NodeClient): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RTT_PROBES; i++) {
    const t = performance.now();
    await client.status();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[RTT_PROBES >> 1]! * 1000) / 1000;
}
