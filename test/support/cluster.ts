// Helpers for tests that run real node processes: free port blocks, a started cluster, and a small
// raw-reply view of the node's API client (src/node/api-client.ts) for tests that assert on statuses.

import { rmSync } from "node:fs";
import { parseFlags } from "../../src/core/flags.ts";
import { NodeClient, type Reply } from "../../src/node/api-client.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { reserveBasePort } from "../../src/node/ports.ts";

/** A free block of ports for an n-node cluster (see src/node/ports.ts). */
export async function freeBasePort(n: number): Promise<number> {
  return (await reserveBasePort(n)).base;
}

export interface TestCluster {
  readonly cluster: LocalCluster;
  leader: number;
  stop(): Promise<void>;
}

/** Starts a cluster with node output hidden, waits for a leader; `stop()` also removes its data. */
export async function startCluster(nodes: number, flags = "all", nodeArgs: string[] = []): Promise<TestCluster> {
  const cluster = new LocalCluster({
    nodes,
    flags: parseFlags(flags),
    basePort: await freeBasePort(nodes),
    nodeArgs,
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
  });
  cluster.start();
  const t: TestCluster = {
    cluster,
    leader: await cluster.waitForLeader(20_000),
    async stop() {
      await cluster.stop();
      rmSync(cluster.dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

export type { Reply };

/** The method and body of a test request. */
export interface RequestInit {
  readonly method?: string;
  readonly body?: string | Uint8Array;
}

/** One request to an absolute URL, redirects not followed (the tests look at them). */
export function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const u = new URL(url);
  return new NodeClient(u.origin, { timeoutMs: 10_000 }).send(init.method ?? "GET", `${u.pathname}${u.search}`, init);
}

/** Follows 307s to the leader (a few hops) as a client would. */
export function requestLeader(url: string, init: RequestInit = {}): Promise<Reply> {
  const u = new URL(url);
  return new NodeClient(u.origin, { timeoutMs: 10_000 }).send(init.method ?? "GET", `${u.pathname}${u.search}`, {
    ...init,
    follow: true,
  });
}

export const put = (base: string, key: string, value: string): Promise<Reply> =>
  requestLeader(`${base}/kv/${encodeURIComponent(key)}`, { method: "PUT", body: value });

export const get = (base: string, key: string): Promise<Reply> =>
  requestLeader(`${base}/kv/${encodeURIComponent(key)}`);

export const getStale = (base: string, key: string): Promise<Reply> =>
  request(`${base}/kv/${encodeURIComponent(key)}?stale=1`);
