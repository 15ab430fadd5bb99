// raftlab under test: a LocalCluster of node processes on fresh data directories and free ports,
// statistics from each node's GET /stats (node-stats.ts).

import { rmSync } from "node:fs";
import { ClusterTarget } from "../../src/chaos/cluster-target.ts";
import type { Flags } from "../../src/core/flags.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { type PortBlock, reserveBasePort } from "../../src/node/ports.ts";
import type { EventTarget } from "../events/runner.ts";
import { NodeStatsWindow } from "./node-stats.ts";
import type { Scrape, SystemUnderTest } from "./system.ts";

const STOP_GRACE_MS = 1000;

export interface RaftlabSystemOptions {
  readonly size: number;
  readonly flags: Flags;
  /** `raftlab node` options for every node (fsync delay, link shaping, ...). */
  readonly nodeArgs: readonly string[];
  readonly leaderTimeoutMs: number;
  /** Show the nodes' output (default: hidden). */
  readonly verbose?: boolean;
}

export class RaftlabSystem implements SystemUnderTest {
  readonly protocol = "raftlab";
  private cluster: LocalCluster | null = null;
  private ports: PortBlock | null = null;
  private leader = 0;
  private broken: string | null = null;
  private stopped: Promise<void> | null = null;
  private interrupt: (err: Error) => void = () => {};
  private stats: NodeStatsWindow | null = null;
  private faults: ClusterTarget | null = null;

  constructor(private readonly o: RaftlabSystemOptions) {}

  private get window(): NodeStatsWindow {
    if (!this.stats) throw new Error("the cluster is not started");
    return this.stats;
  }

  private get nodes(): LocalCluster {
    if (!this.cluster) throw new Error("the cluster is not started");
    return this.cluster;
  }

  async start(): Promise<string> {
    // A node that exits at start, or a stop meanwhile (Ctrl-C), ends the wait for a leader at once.
    const exit = new Promise<never>((_, reject) => (this.interrupt = reject));
    exit.catch(() => {});
    this.ports = await reserveBasePort(this.o.size);
    const basePort = this.ports.base;
    if (this.stopped) throw new Error("stopped before it started");
    const cluster = new LocalCluster({
      nodes: this.o.size,
      flags: this.o.flags,
      basePort,
      nodeArgs: this.o.nodeArgs,
      stdio: this.o.verbose ? "inherit" : "ignore",
      onExit: (id, code, signal) => {
        // A node an event killed is no failure.
        if (this.faults?.onExit(id, code, signal) === false) return;
        this.broken ??= `node-${id} exited (${signal ?? `code ${code}`})`;
        this.interrupt(new Error(this.broken));
      },
    });
    this.cluster = cluster;
    this.faults = new ClusterTarget(cluster, () => performance.now());
    this.stats = new NodeStatsWindow(new Map(cluster.ids.map((id) => [id, cluster.client(id)])));
    cluster.start();
    this.leader = await Promise.race([cluster.waitForLeader(this.o.leaderTimeoutMs), exit]);
    return cluster.clientUrl(this.leader);
  }

  clientUrls(): readonly string[] {
    const cluster = this.nodes;
    return cluster.ids.map((id) => cluster.clientUrl(id));
  }

  /** The hands for the cell's events (the nodes run with `--admin` for link shaping and the fsync delay). */
  eventTarget(): EventTarget {
    if (!this.faults) throw new Error("the cluster is not started");
    return this.faults;
  }

  failure(): string | null {
    return this.broken;
  }

  resetStats(): Promise<void> {
    return this.window.reset();
  }

  scrape(): Promise<Scrape> {
    return this.window.scrape(this.leader);
  }

  pids(): ReadonlyMap<string, number> {
    const cluster = this.nodes;
    return new Map(
      cluster.ids.flatMap((id) => {
        const pid = cluster.pid(id);
        return pid === undefined ? [] : [[`node-${id}`, pid] as const];
      }),
    );
  }

  /** Idempotent: a second call (Ctrl-C during a cell) waits for the same stop. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.interrupt(new Error("stopped"));
      const cluster = this.cluster;
      if (cluster) {
        // The data is thrown away: no need to wait long for a graceful stop before SIGKILL.
        await cluster.stop(STOP_GRACE_MS);
        rmSync(cluster.dataDir, { recursive: true, force: true });
      }
      this.ports?.release();
    })();
    return this.stopped;
  }
}
