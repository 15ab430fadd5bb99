// The peer baseline: an etcd cluster of the same size on loopback (Debian's etcd-server), fresh data
// directories, free ports, default durability (etcd fsyncs its WAL before acknowledging). Load goes
// to the leader through etcd's v3 JSON gateway. etcd reports no stages or event-loop figures: its
// members' CPU comes from /proc.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type PortBlock, reserveBasePort } from "../../src/node/ports.ts";
import type { ProcessUsage } from "../results.ts";
import { cpuSeconds } from "./proc-cpu.ts";
import { round3, type Scrape, type SystemUnderTest } from "./system.ts";

export const ETCD_MISSING = "--peer etcd needs an etcd binary on PATH: apt-get install etcd-server";

/** etcd's version (`3.4.23`), or null when no `etcd` binary is on PATH. */
export function etcdVersion(): string | null {
  const r = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? "unknown";
}

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  child: ChildProcess | null;
  cpu0: number;
}

export class EtcdSystem implements SystemUnderTest {
  readonly protocol = "etcd";
  private members: Member[] = [];
  private ports: PortBlock | null = null;
  private dataDir = "";
  private broken: string | null = null;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private leaderName = "";
  private t0 = 0;

  constructor(private readonly o: { readonly size: number; readonly leaderTimeoutMs: number }) {}

  async start(): Promise<string> {
    this.ports = await reserveBasePort(this.o.size);
    const base = this.ports.base;
    if (this.stopping) throw new Error("stopped before it started");
    this.dataDir = mkdtempSync(path.join(tmpdir(), "raftlab-etcd-"));
    this.members = Array.from({ length: this.o.size }, (_, i) => ({
      name: `etcd-${i + 1}`,
      clientUrl: `http://127.0.0.1:${base + i}`,
      peerUrl: `http://127.0.0.1:${base + 100 + i}`,
      child: null,
      cpu0: 0,
    }));
    const initialCluster = this.members.map((m) => `${m.name}=${m.peerUrl}`).join(",");
    for (const m of this.members) {
      const child = spawn(
        "etcd",
        [
          "--name",
          m.name,
          "--data-dir",
          path.join(this.dataDir, m.name),
          "--listen-client-urls",
          m.clientUrl,
          "--advertise-client-urls",
          m.clientUrl,
          "--listen-peer-urls",
          m.peerUrl,
          "--initial-advertise-peer-urls",
          m.peerUrl,
          "--initial-cluster",
          initialCluster,
          "--initial-cluster-state",
          "new",
          "--initial-cluster-token",
          path.basename(this.dataDir),
          "--logger",
          "zap",
          "--log-level",
          "error",
        ],
        { stdio: "ignore" },
      );
      m.child = child;
      child.on("exit", (code, signal) => {
        m.child = null;
        if (!this.stopping) this.broken ??= `${m.name} exited (${signal ?? `code ${code}`})`;
      });
    }
    return this.waitForLeader();
  }

  /** etcd forwards proposals itself; the load stays on the leader found at start. */
  clientUrls(): readonly string[] {
    return [];
  }

  failure(): string | null {
    return this.broken;
  }

  async resetStats(): Promise<void> {
    this.t0 = performance.now();
    for (const m of this.members) m.cpu0 = m.child?.pid ? (cpuSeconds(m.child.pid) ?? 0) : 0;
  }

  async scrape(): Promise<Scrape> {
    const wallS = (performance.now() - this.t0) / 1000;
    const usage: ProcessUsage[] = this.members.map((m) => {
      const now = m.child?.pid ? cpuSeconds(m.child.pid) : null;
      // Event-loop utilization does not apply to a Go program: recorded as 0.
      return {
        process: m.name,
        role: m.name === this.leaderName ? "leader" : "follower",
        cpu: now === null ? 0 : round3((now - m.cpu0) / wallS),
        elu: 0,
      };
    });
    return { stagesMs: null, usage, mechanism: null };
  }

  pids(): ReadonlyMap<string, number> {
    return new Map(this.members.flatMap((m) => (m.child?.pid ? [[m.name, m.child.pid] as const] : [])));
  }

  /** Idempotent: a second call (Ctrl-C during a cell) waits for the same stop. */
  stop(): Promise<void> {
    this.stopped ??= this.stopMembers();
    return this.stopped;
  }

  private async stopMembers(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.members.map(async (m) => {
        const child = m.child;
        if (!child) return;
        const gone = new Promise<void>((r) => child.once("exit", () => r()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.kill("SIGTERM");
        await gone;
        clearTimeout(timer);
      }),
    );
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
    this.ports?.release();
  }

  /** Polls /v3/maintenance/status until a member is leader and answers a write. */
  private async waitForLeader(): Promise<string> {
    const deadline = Date.now() + this.o.leaderTimeoutMs;
    for (;;) {
      if (this.broken) throw new Error(this.broken);
      if (this.stopping) throw new Error("stopped");
      const statuses = await Promise.all(this.members.map((m) => post(m.clientUrl, "/v3/maintenance/status", {})));
      const leaderId = statuses.find((s) => s?.leader)?.leader;
      const i = statuses.findIndex((s) => s?.header?.member_id !== undefined && s.header.member_id === leaderId);
      if (i >= 0) {
        const m = this.members[i]!;
        const put = await post(m.clientUrl, "/v3/kv/put", {
          key: Buffer.from("raftlab-probe").toString("base64"),
          value: "",
        });
        if (put) {
          this.leaderName = m.name;
          return m.clientUrl;
        }
      }
      if (Date.now() > deadline) throw new Error(`etcd elected no leader within ${this.o.leaderTimeoutMs} ms`);
      await sleep(100);
    }
  }
}

interface EtcdStatus {
  readonly header?: { readonly member_id?: string };
  readonly leader?: string;
}

async function post(base: string, route: string, body: object): Promise<EtcdStatus | null> {
  try {
    const res = await fetch(`${base}${route}`, {
      method: "POST",
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok ? ((await res.json()) as EtcdStatus) : null;
  } catch {
    return null;
  }
}
