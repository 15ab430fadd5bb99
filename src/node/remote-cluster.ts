// A cluster that runs elsewhere, known by its cluster file (`bench --target`, `chaos --target`):
// nothing here starts or stops a node. Its nodes are reached through their client API, and /admin
// with the secret the file names as the bearer token (so the nodes must run with --admin).

import { type Flags, formatFlags } from "../core/flags.ts";
import { waitForAgreedLeader } from "./agreed-leader.ts";
import { ApiError, NodeClient, NoResponseError } from "./api-client.ts";
import type { NodeStatus } from "./api-types.ts";
import { type ClusterSpec, clientUrlOf } from "./cluster-file.ts";
import type { ClusterView } from "./cluster-view.ts";

/** A cluster file and the secret it names (the nodes' /admin token; null when it names none). */
export interface ClusterAccess {
  readonly spec: ClusterSpec;
  readonly adminToken: string | null;
}

/** A node answers a flag switch at its next safe point, which a loaded machine can put off for seconds. */
const SWITCH_TIMEOUT_MS = 30_000;

export class RemoteCluster implements ClusterView {
  private readonly clients: ReadonlyMap<number, NodeClient>;

  constructor(readonly access: ClusterAccess) {
    this.clients = new Map(
      access.spec.nodes.map((m) => [m.id, new NodeClient(clientUrlOf(m), { adminToken: access.adminToken })]),
    );
  }

  get ids(): number[] {
    return [...this.clients.keys()];
  }

  clientUrl(id: number): string {
    return clientUrlOf(this.access.spec.member(id));
  }

  client(id: number): NodeClient {
    const client = this.clients.get(id);
    if (!client) throw new Error(`${this.access.spec.file} has no node ${id}`);
    return client;
  }

  status(id: number, timeoutMs = 1000): Promise<NodeStatus | null> {
    return this.client(id)
      .status({ timeoutMs })
      .catch(() => null);
  }

  waitForLeader(timeoutMs = 10_000): Promise<number> {
    return waitForAgreedLeader(() => this.clients, this.clients.size, timeoutMs);
  }

  /**
   * Switches every node to `flags` (`POST /admin/flags`, taken at each node's next safe point).
   * Rejects with an Error that says what to fix: a refused token, no --admin, a node that is down.
   */
  async switchFlags(flags: Flags): Promise<void> {
    const wanted = formatFlags(flags);
    await Promise.all(
      [...this.clients].map(async ([id, client]) => {
        const now = await client.setFlags(wanted, { timeoutMs: SWITCH_TIMEOUT_MS }).catch((err: unknown) => {
          throw this.adminFailure(id, err);
        });
        if (now.flags !== wanted) throw new Error(`node ${id} answered flags ${now.flags}, not ${wanted}`);
      }),
    );
  }

  /** What a failed /admin call to node `id` means for the person running the tool. */
  private adminFailure(id: number, err: unknown): Error {
    const at = `node ${id} (${this.clients.get(id)?.baseUrl})`;
    if (err instanceof ApiError && (err.status === 401 || err.status === 403))
      return new Error(`${at} refused the admin token: the cluster file's secretFile must hold the nodes' secret`);
    if (err instanceof ApiError && err.status === 404)
      return new Error(`${at} has no /admin endpoints: start the nodes with --admin`);
    if (err instanceof NoResponseError) return new Error(`${at} does not answer: is the cluster running?`);
    return err instanceof Error ? err : new Error(String(err));
  }
}
