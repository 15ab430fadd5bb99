// Helpers for tests that run real node processes: free port blocks, a started cluster, and a small
// HTTP client that speaks the API of docs/DESIGN.md "The client HTTP API".

import { rmSync } from "node:fs";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { reserveBasePort } from "../../src/node/ports.ts";
import { parseFlags } from "../../src/core/flags.ts";


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
    stdio: process.env["RAFTLAB_TEST_VERBOSE"] ? "inherit" : "ignore",
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

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly location: string | null;
}

/** One request, redirects not followed (the tests look at them). */
export async function request(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10_000), ...init });
  return { status: res.status, body: await res.text(), location: res.headers.get("location") };
}

/** Follows 307s to the leader (a few hops) as a client would. */
export async function requestLeader(url: string, init: RequestInit = {}): Promise<Reply> {
  let r = await request(url, init);
  for (let hops = 0; r.status === 307 && r.location && hops < 3; hops++) r = await request(r.location, init);
  return r;
}

export const put = (base: string, key: string, value: string): Promise<Reply> =>
  requestLeader(`${base}/kv/${encodeURIComponent(key)}`, { method: "PUT", body: value });

export const get = (base: string, key: string): Promise<Reply> => requestLeader(`${base}/kv/${encodeURIComponent(key)}`);

export const getStale = (base: string, key: string): Promise<Reply> => request(`${base}/kv/${encodeURIComponent(key)}?stale=1`);
