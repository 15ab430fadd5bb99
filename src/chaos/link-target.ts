// The nemesis's network hands on any cluster it can reach (src/node/cluster-view.ts): the leader
// from the nodes' /status, link changes through their `POST /admin/links` and leadership hand-overs
// through `POST /admin/transfer-leader` (nodes run with `--admin`).
// That is all a cluster on other hosts offers; ClusterTarget adds the process hands for a cluster of
// this machine's node processes.

import type { LinkChangeBody } from "../node/api-types.ts";
import type { ClusterView } from "../node/cluster-view.ts";
import type { NetworkTarget } from "./faults.ts";

/** How long an admin or status request may take: a paused or cut-off node never answers. */
export const ADMIN_TIMEOUT_MS = 1000;

/** A hand-over answers once it completed or was given up, within an election timeout of the target's. */
const TRANSFER_TIMEOUT_MS = 5000;

const CLEAR_LINKS: LinkChangeBody = { partitioned: false, delayMs: 0, jitterMs: 0, lossRate: 0 };

export class LinkTarget implements NetworkTarget {
  constructor(protected readonly cluster: ClusterView) {}

  get ids(): readonly number[] {
    return this.cluster.ids;
  }

  /** Whether node `id` can answer now (a subclass knows of nodes that are down or paused). */
  protected answers(_id: number): boolean {
    return true;
  }

  /** Whether node `id`'s process runs, paused or not (a paused node's changes are missed, not skipped). */
  protected runs(_id: number): boolean {
    return true;
  }

  async leader(): Promise<number | null> {
    const asked = this.cluster.ids.filter((id) => this.answers(id));
    const statuses = await Promise.all(asked.map((id) => this.cluster.status(id, ADMIN_TIMEOUT_MS)));
    let best: { id: number; term: number } | null = null;
    for (const s of statuses) {
      if (s?.role === "leader" && (best === null || s.term > best.term)) best = { id: s.id, term: s.term };
    }
    return best?.id ?? null;
  }

  async shape(id: number, change: LinkChangeBody): Promise<boolean> {
    if (!this.runs(id)) return false;
    try {
      await this.cluster.client(id).setLinks(change, { timeoutMs: ADMIN_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }

  async transferLeader(id: number): Promise<{ leader: number; ms: number } | { refused: string }> {
    if (!this.runs(id)) return { refused: `node ${id} is not running` };
    try {
      return await this.cluster.client(id).transferLeader(undefined, { timeoutMs: TRANSFER_TIMEOUT_MS });
    } catch (err) {
      return { refused: (err as Error).message };
    }
  }

  /**
   * Clears every node's link shaping, retrying a node until it accepts (`beforeRetry` may revive it
   * first). Rejects after `timeoutMs` naming the node that did not.
   */
  async clearLinks(timeoutMs = 15_000, beforeRetry: (id: number) => void = () => {}): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    await Promise.all(
      this.cluster.ids.map(async (id) => {
        while (!(await this.shape(id, CLEAR_LINKS))) {
          if (performance.now() > deadline)
            throw new Error(`node ${id} did not accept the link reset within ${timeoutMs} ms`);
          beforeRetry(id);
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
  }
}
