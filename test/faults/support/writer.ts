// A client that keeps writing unique keys to whichever node leads, following redirects and
// re-finding the leader after failures, and remembers every write the cluster acknowledged.

import { NodeClient } from "../../../src/node/api-client.ts";
import type { LocalCluster } from "../../../src/node/local-cluster.ts";

export class AckingWriter {
  /** key → value of every write answered 204. */
  readonly acked = new Map<string, string>();
  private leaderUrl: string | null = null;
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly idle = new Set<number>();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly cluster: LocalCluster,
    private readonly tag: string,
    private readonly concurrency = 2,
  ) {}

  start(): void {
    for (let w = 0; w < this.concurrency; w++) this.loops.push(this.loop(w));
  }

  /** Resolves once no write is in flight; writes stay held until `resume`. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.idle.size < this.concurrency && !this.stopped) await sleep(5);
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
    this.wake = null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resume();
    await Promise.all(this.loops);
  }

  private async loop(w: number): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      if (this.paused) {
        this.idle.add(w);
        await new Promise<void>((resolve) => {
          const prev = this.wake;
          this.wake = () => {
            prev?.();
            resolve();
          };
        });
        this.idle.delete(w);
        continue;
      }
      const key = `${this.tag}-${w}-${i}`;
      if (await this.put(key, key)) this.acked.set(key, key);
      else await sleep(20);
    }
  }

  /** One write, following up to three redirects; true only for a 204. */
  private async put(key: string, value: string): Promise<boolean> {
    let base = this.leaderUrl ?? (await this.findLeader());
    for (let hop = 0; hop < 3; hop++) {
      const res = await new NodeClient(base)
        .send("PUT", `/kv/${encodeURIComponent(key)}`, { body: value, timeoutMs: 3000 })
        .catch(() => null);
      if (res?.status === 204) return true;
      if (res?.status !== 307 || !res.location) break;
      base = new URL(res.location).origin;
      this.leaderUrl = base;
    }
    this.leaderUrl = null;
    return false;
  }

  private async findLeader(): Promise<string> {
    for (const id of this.cluster.ids) {
      if (!this.cluster.isRunning(id)) continue;
      const s = await this.cluster.status(id, 500);
      if (s?.role === "leader") return (this.leaderUrl = s.clientUrl);
    }
    return this.cluster.clientUrl(this.cluster.ids.find((id) => this.cluster.isRunning(id)) ?? 1);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
