// The nemesis's hands on a real LocalCluster (and the bench events'): signals for kills and pauses,
// `POST /admin/links` for link shaping, `POST /admin/fsync-delay` for a slow disk (nodes run with
// `--admin`). It also tells the kills it made from the exits it did not: a node that exits on its own
// during a chaos run is a crash, and the run fails.

import type { LinkChangeBody } from "../node/api-types.ts";
import type { LocalCluster } from "../node/local-cluster.ts";
import type { FaultTarget } from "./faults.ts";

export interface NodeCrash {
  readonly id: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** ms on the run's clock. */
  readonly atMs: number;
}

/** How long an admin or status request may take: a paused node never answers. */
const ADMIN_TIMEOUT_MS = 1000;

export class ClusterTarget implements FaultTarget {
  readonly crashes: NodeCrash[] = [];
  private readonly killing = new Set<number>();
  private readonly paused = new Set<number>();

  constructor(
    private readonly cluster: LocalCluster,
    private readonly nowMs: () => number,
  ) {}

  get ids(): readonly number[] {
    return this.cluster.ids;
  }

  /** Whether node `id`'s process runs (it may be paused). */
  isRunning(id: number): boolean {
    return this.cluster.isRunning(id);
  }

  /** To be called from the cluster's `onExit`; true when the exit was a crash (not a kill of ours). */
  onExit(id: number, code: number | null, signal: NodeJS.Signals | null): boolean {
    if (this.killing.delete(id)) return false;
    this.crashes.push({ id, code, signal, atMs: this.nowMs() });
    return true;
  }

  async leader(): Promise<number | null> {
    const running = this.cluster.ids.filter((id) => this.cluster.isRunning(id) && !this.paused.has(id));
    const statuses = await Promise.all(running.map((id) => this.cluster.status(id, ADMIN_TIMEOUT_MS)));
    let best: { id: number; term: number } | null = null;
    for (const s of statuses) {
      if (s?.role === "leader" && (best === null || s.term > best.term)) best = { id: s.id, term: s.term };
    }
    return best?.id ?? null;
  }

  async kill(id: number): Promise<void> {
    if (!this.cluster.isRunning(id)) return;
    this.killing.add(id);
    this.paused.delete(id);
    await this.cluster.kill(id);
  }

  restart(id: number): void {
    if (!this.cluster.isRunning(id)) this.cluster.startNode(id);
  }

  pause(id: number): void {
    this.paused.add(id);
    this.cluster.signal(id, "SIGSTOP");
  }

  resume(id: number): void {
    this.paused.delete(id);
    this.cluster.signal(id, "SIGCONT");
  }

  async shape(id: number, change: LinkChangeBody): Promise<boolean> {
    if (!this.cluster.isRunning(id)) return false;
    try {
      await this.cluster.client(id).setLinks(change, { timeoutMs: ADMIN_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }

  /** Changes node `id`'s added fsync delay (`POST /admin/fsync-delay`); false when it did not accept. */
  async setFsyncDelay(id: number, us: number): Promise<boolean> {
    if (!this.cluster.isRunning(id)) return false;
    try {
      await this.cluster.client(id).setFsyncDelay(us, { timeoutMs: ADMIN_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Asks leader `id` to hand leadership to its most up-to-date follower (`POST
   * /admin/transfer-leader`); the new leader and how long it took, or why it did not happen.
   */
  async transferLeader(id: number): Promise<{ leader: number; ms: number } | { refused: string }> {
    if (!this.cluster.isRunning(id)) return { refused: `node ${id} is not running` };
    try {
      return await this.cluster.client(id).transferLeader(undefined, { timeoutMs: ADMIN_TIMEOUT_MS });
    } catch (err) {
      return { refused: (err as Error).message };
    }
  }

  /**
   * Undoes every fault: resumes and restarts every node, then clears all link shaping, retrying a node
   * until it accepts (a restarted node needs a moment to listen). Rejects after `timeoutMs`.
   */
  async healAll(timeoutMs = 15_000): Promise<void> {
    for (const id of this.cluster.ids) {
      if (this.cluster.isRunning(id)) this.resume(id);
      else this.restart(id);
    }
    const clear: LinkChangeBody = { partitioned: false, delayMs: 0, jitterMs: 0, lossRate: 0 };
    const deadline = performance.now() + timeoutMs;
    await Promise.all(
      this.cluster.ids.map(async (id) => {
        while (!(await this.shape(id, clear))) {
          if (performance.now() > deadline)
            throw new Error(`node ${id} did not accept the link reset within ${timeoutMs} ms`);
          if (!this.cluster.isRunning(id)) this.restart(id);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
  }
}
