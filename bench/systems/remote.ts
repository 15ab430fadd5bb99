// raftlab under test on a cluster that runs elsewhere, described by its cluster file
// (`raftlab bench --target FILE`): nothing is started or stopped here. Each cell switches every
// node to the cell's combination (POST /admin/flags, taken at a safe point), finds the leader, and
// measures the round trip from the load generator to it; the statistics are read as for a local
// cluster. The nodes stay on the last combination measured.

import { type Flags, formatFlags } from "../../src/core/flags.ts";
import { waitForAgreedLeader } from "../../src/node/agreed-leader.ts";
import { ApiError, NodeClient, NoResponseError } from "../../src/node/api-client.ts";
import { type ClusterSpec, clientUrlOf } from "../../src/node/cluster-file.ts";
import type { CellTopology } from "../results.ts";
import { NodeStatsWindow } from "./node-stats.ts";
import type { Scrape, SystemUnderTest } from "./system.ts";

/** Round trips timed to the leader before each cell; the median is recorded. */
const RTT_PROBES = 15;

export interface RemoteTarget {
  readonly spec: ClusterSpec;
  /** The cluster's secret: the nodes' /admin bearer token. */
  readonly adminToken: string | null;
}

export class RemoteSystem implements SystemUnderTest {
  readonly protocol = "raftlab";
  private readonly clients: Map<number, NodeClient>;
  private readonly window: NodeStatsWindow;
  private leader = 0;
  private rttMs: number | null = null;

  constructor(
    private readonly o: { readonly target: RemoteTarget; readonly flags: Flags; readonly leaderTimeoutMs: number },
  ) {
    this.clients = new Map(
      o.target.spec.nodes.map((m) => [m.id, new NodeClient(clientUrlOf(m), { adminToken: o.target.adminToken })]),
    );
    this.window = new NodeStatsWindow(this.clients);
  }

  async start(): Promise<string> {
    const wanted = formatFlags(this.o.flags);
    await Promise.all([...this.clients].map(([id, client]) => this.switchFlags(id, client, wanted)));
    this.leader = await waitForAgreedLeader(() => this.clients, this.clients.size, this.o.leaderTimeoutMs);
    this.rttMs = await medianRoundTrip(this.clients.get(this.leader)!);
    return clientUrlOf(this.o.target.spec.member(this.leader));
  }

  private async switchFlags(id: number, client: NodeClient, wanted: string): Promise<void> {
    try {
      const now = await client.setFlags(wanted);
      if (now.flags !== wanted) throw new Error(`node ${id} answered flags ${now.flags}, not ${wanted}`);
    } catch (err) {
      if (err instanceof ApiError && (err.reply.status === 401 || err.reply.status === 403))
        throw new Error(
          `node ${id} refused the admin token: the cluster file's secretFile must hold the nodes' secret`,
        );
      if (err instanceof ApiError && err.reply.status === 404)
        throw new Error(`node ${id} has no /admin/flags: start the nodes with --admin`);
      if (err instanceof NoResponseError)
        throw new Error(`node ${id} (${client.baseUrl}) does not answer: is the cluster running?`);
      throw err;
    }
  }

  clientUrls(): readonly string[] {
    return this.o.target.spec.nodes.map(clientUrlOf);
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
