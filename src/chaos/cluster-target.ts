// The nemesis's hands on a real LocalCluster (and the bench events'): signals for kills and pauses,
// `POST /admin/links` for link shaping (link-target.ts), `POST /admin/fsync-delay` for a slow disk
// (nodes run with `--admin`). It also tells the kills it made from the exits it did not: a node that
// exits on its own during a chaos run is a crash, and the run fails.

import { admitMember } from "../node/admit-member.ts";
import type { LocalCluster } from "../node/local-cluster.ts";
import type { FaultTarget } from "./faults.ts";
import { ADMIN_TIMEOUT_MS, LinkTarget } from "./link-target.ts";

export interface NodeCrash {
  readonly id: number;
  readonly code: number | null;
  readonly signal: string | null;
  /** ms on the run's clock. */
  readonly atMs: number;
}

export class ClusterTarget extends LinkTarget implements FaultTarget {
  readonly crashes: NodeCrash[] = [];
  private readonly killing = new Set<number>();
  private readonly paused = new Set<number>();

  constructor(
    private readonly local: LocalCluster,
    private readonly nowMs: () => number,
  ) {
    super(local);
  }

  /** Whether node `id`'s process runs (it may be paused). */
  isRunning(id: number): boolean {
    return this.local.isRunning(id);
  }

  protected override runs(id: number): boolean {
    return this.local.isRunning(id);
  }

  protected override answers(id: number): boolean {
    return this.local.isRunning(id) && !this.paused.has(id);
  }

  /** To be called from the cluster's `onExit`; true when the exit was a crash (not a kill of ours). */
  onExit(id: number, code: number | null, signal: NodeJS.Signals | null): boolean {
    if (this.killing.delete(id)) return false;
    this.crashes.push({ id, code, signal, atMs: this.nowMs() });
    return true;
  }

  async kill(id: number): Promise<void> {
    if (!this.local.isRunning(id)) return;
    this.killing.add(id);
    this.paused.delete(id);
    await this.local.kill(id);
  }

  restart(id: number): void {
    if (!this.local.isRunning(id)) this.local.startNode(id);
  }

  pause(id: number): void {
    this.paused.add(id);
    this.local.signal(id, "SIGSTOP");
  }

  resume(id: number): void {
    this.paused.delete(id);
    this.local.signal(id, "SIGCONT");
  }

  /** Changes node `id`'s added fsync delay (`POST /admin/fsync-delay`); false when it did not accept. */
  async setFsyncDelay(id: number, us: number): Promise<boolean> {
    if (!this.local.isRunning(id)) return false;
    try {
      await this.local.client(id).setFsyncDelay(us, { timeoutMs: ADMIN_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }

  /** Starts the next node and adds it as a learner (not promoted); its id and the time to commit. */
  async addLearner(): Promise<{ id: number; ms: number } | { refused: string }> {
    const asked = performance.now();
    const id = this.local.addNode();
    const members = this.local.ids.filter((m) => m !== id && this.local.isRunning(m)).map((m) => this.local.client(m));
    try {
      await admitMember(members, this.local.address(id), { promote: false, timeoutMs: ADMIN_TIMEOUT_MS * 10 });
      return { id, ms: performance.now() - asked };
    } catch (err) {
      return { refused: (err as Error).message };
    }
  }

  /** Removes member `id` through leader `leader` (POST /admin/members); the time to commit. */
  async removeMember(leader: number, id: number): Promise<{ ms: number } | { refused: string }> {
    const asked = performance.now();
    try {
      await this.local.client(leader).changeMembers({ op: "remove", id }, { timeoutMs: ADMIN_TIMEOUT_MS * 10 });
      return { ms: performance.now() - asked };
    } catch (err) {
      return { refused: (err as Error).message };
    }
  }

  /**
   * Undoes every fault: resumes and restarts every node, then clears all link shaping, retrying a node
   * until it accepts (a restarted node needs a moment to listen). Rejects after `timeoutMs`.
   */
  async healAll(timeoutMs = 15_000): Promise<void> {
    for (const id of this.local.ids) {
      if (this.local.isRunning(id)) this.resume(id);
      else this.restart(id);
    }
    await this.clearLinks(timeoutMs, (id) => this.restart(id));
  }
}
