// What a tool that drives a running cluster from outside (chaos, bench) needs of it: its members,
// their client API, their status, and the leader they agree on. LocalCluster (node processes this
// process started) and RemoteCluster (nodes that run elsewhere, known by their cluster file) are both one.

import type { NodeClient } from "./api-client.ts";
import type { NodeStatus } from "./api-types.ts";

export interface ClusterView {
  readonly ids: readonly number[];
  /** Where node `id` serves clients (`http://host:port`). */
  clientUrl(id: number): string;
  /** A client of node `id`'s HTTP API, with the cluster's /admin token. */
  client(id: number): NodeClient;
  /** Node `id`'s status, or null when it does not answer within `timeoutMs`. */
  status(id: number, timeoutMs?: number): Promise<NodeStatus | null>;
  /** The id of the leader the members agree on; rejects after `timeoutMs`. */
  waitForLeader(timeoutMs?: number): Promise<number>;
}
