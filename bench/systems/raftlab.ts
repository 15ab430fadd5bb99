// raftlab under test: a LocalCluster of node processes on fresh data directories and free ports,
// statistics from each node's GET /stats (stage latencies, CPU, event-loop utilization).

import { rmSync } from "node:fs";
import type { Flags } from "../../src/core/flags.ts";
import type { NodeStats } from "../../src/node/api-types.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import type { CounterSnapshot } from "../../src/node/mechanism-counters.ts";
import { type PortBlock, reserveBasePort } from "../../src/node/ports.ts";
import type { StageSummary } from "../../src/node/stage-stats.ts";
import { cellMechanism, nodeMechanism } from "../mechanism.ts";
import type { ProcessUsage, StageTimings } from "../results.ts";
import { round3, type Scrape, type SystemUnderTest } from "./system.ts";

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
  /** Each node's mechanism counters when the measured window opened. */
  private baseline = new Map<number, CounterSnapshot>();

  constructor(private readonly o: RaftlabSystemOptions) {}

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
        this.broken ??= `node-${id} exited (${signal ?? `code ${code}`})`;
        this.interrupt(new Error(this.broken));
      },
    });
    this.cluster = cluster;
    cluster.start();
    this.leader = await Promise.race([cluster.waitForLeader(this.o.leaderTimeoutMs), exit]);
    return cluster.clientUrl(this.leader);
  }

  failure(): string | null {
    return this.broken;
  }

  async resetStats(): Promise<void> {
    const cluster = this.nodes;
    await Promise.all(
      cluster.ids.map(async (id) => {
        await cluster.client(id).resetStats();
        this.baseline.set(id, (await cluster.client(id).stats()).mechanism);
      }),
    );
  }

  async scrape(): Promise<Scrape> {
    const cluster = this.nodes;
    const stats = await Promise.all(cluster.ids.map((id) => cluster.client(id).stats()));
    const usage: ProcessUsage[] = stats.map((s, i) => ({
      process: `node-${cluster.ids[i]}`,
      role: s.status.role,
      cpu: round3((s.cpu.userMs + s.cpu.systemMs) / s.cpu.wallMs),
      elu: round3(s.elu),
    }));
    const leaderStats = stats[cluster.ids.indexOf(this.leader)]!;
    // The stage and CPU windows restarted at the reset; the counters are diffed against the baseline.
    const mechanism = cellMechanism(
      stats.map((s, i) => {
        const id = cluster.ids[i]!;
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
