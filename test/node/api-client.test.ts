// The HTTP API client against real node processes: every call, the redirect to the leader, the
// tokens, and what no leader, a paused node and a dead one look like to a caller.

import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { ApiError, NodeClient, NoResponseError, type Reply } from "../../src/node/api-client.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { freeBasePort, startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (err: unknown) => err,
  );
}

describe("NodeClient on a 3-node cluster", () => {
  let t: TestCluster;
  let leader: NodeClient;
  let follower: NodeClient;
  beforeAll(async () => {
    // A long election timeout (1.5-3 s): the tests here are about the client, not failover, and a
    // loaded machine's stalls must not move the lead between a test's calls.
    t = await startCluster(3, "all", ["--admin", "--election-ticks", "100"]);
    leader = t.cluster.client(t.leader);
    follower = t.cluster.client(t.cluster.ids.find((id) => id !== t.leader)!);
  });
  afterAll(() => t?.stop());

  it("reads the status as the node's own type", async () => {
    // Whichever node leads now: on a loaded machine the lead may have moved since the cluster started.
    const id = await t.cluster.waitForLeader(20_000);
    const s = await t.cluster.client(id).status();
    expect(s).toMatchObject({
      id,
      role: "leader",
      clientUrl: t.cluster.clientUrl(id),
      flags: "batch+pipeline+parallel-append+async-apply",
    });
    expect(s.commitIndex).toBeGreaterThan(0);
  });

  it("puts, gets, compare-and-sets and deletes", async () => {
    await leader.put("a b/c", "one");
    expect(await leader.get("a b/c")).toBe("one");
    expect(await leader.cas("a b/c", "wrong", "two")).toEqual({ ok: false, current: "one" });
    expect(await leader.cas("a b/c", "one", "two")).toEqual({ ok: true });
    expect(await leader.get("a b/c")).toBe("two");
    expect(await leader.cas("fresh", null, "x")).toEqual({ ok: true });
    await leader.delete("a b/c");
    expect(await leader.get("a b/c")).toBeNull();
  });

  it("follows a follower's 307 to the leader; send shows the 307 itself", async () => {
    // Under load an election can move the lead (or leave a follower without a leader for a moment):
    // ask a follower of whichever node leads now until it answers with the 307 itself.
    let last: Reply | undefined;
    await waitUntil(async () => {
      const id = await t.cluster.waitForLeader(20_000);
      const other = t.cluster.client(t.cluster.ids.find((i) => i !== id)!);
      last = await other.send("PUT", "/kv/r", { body: "v" });
      return last.status === 307 && last.location === `${t.cluster.clientUrl(id)}/kv/r`;
    }, "a follower to redirect to the leader").catch((err: Error) => {
      throw new Error(`${err.message}; last answer ${JSON.stringify(last)}`);
    });
    await follower.put("r", "via-follower");
    expect(await follower.get("r")).toBe("via-follower");
    expect(await leader.get("r")).toBe("via-follower");
    // A stale read answers from the follower's own state, once it has applied the write.
    await waitUntil(
      async () => (await follower.get("r", { stale: true })) === "via-follower",
      "the follower to apply r",
    );
  });

  it("scrapes stats and metrics and resets the stats", async () => {
    await leader.put("s", "1");
    const before = await leader.stats();
    expect(before.status.id).toBe(t.leader);
    expect(before.stagesUs.total.count).toBeGreaterThan(0);
    await leader.resetStats();
    expect((await leader.stats()).stagesUs.total.count).toBe(0);
    expect(await leader.metrics()).toMatch(/^raftlab_stage_seconds_count\{stage="total"\} \d+$/m);
  });

  it("changes link shaping through /admin/links", async () => {
    const peer = t.cluster.ids.find((id) => id !== t.leader)!;
    const state = await leader.setLinks({ to: [peer], delayMs: 3 });
    expect(state.links[String(peer)]?.delayMs).toBe(3);
    expect((await leader.setLinks({ delayMs: 0 })).links[String(peer)]?.delayMs).toBe(0);
    const err = await rejection(leader.setLinks({ lossRate: 2 }));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/lossRate/);
  });
});

describe("NodeClient on a node that knows no leader", () => {
  // Node 1 of a 3-node cluster, alone: it can never win an election.
  let cluster: LocalCluster;
  let lone: NodeClient;
  beforeAll(async () => {
    cluster = new LocalCluster({
      nodes: 3,
      flags: parseFlags("none"),
      basePort: await freeBasePort(3),
      nodeArgs: ["--client-token", "c-secret", "--admin", "--admin-token", "a-secret"],
      clientOptions: { clientToken: "c-secret", adminToken: "a-secret" },
      stdio: "ignore",
    });
    cluster.startNode(1);
    lone = cluster.client(1);
    await waitUntil(() => cluster.status(1), "node 1 to answer /status");
  });
  afterAll(async () => {
    await cluster?.stop();
    if (cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
  });

  it("carries the client and admin tokens; without them the node answers 401", async () => {
    expect((await lone.status()).leader).toBeNull();
    expect((await lone.setLinks({ delayMs: 0 })).defaults.delayMs).toBe(0);
    const bare = new NodeClient(lone.baseUrl);
    expect(await rejection(bare.status())).toMatchObject({ status: 401 });
    const wrongAdmin = new NodeClient(lone.baseUrl, { clientToken: "c-secret", adminToken: "nope" });
    expect(await rejection(wrongAdmin.setLinks({}))).toMatchObject({ status: 401 });
  });

  it("rejects a write with 503 no_leader", async () => {
    const err = await rejection(lone.put("k", "v"));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, code: "no_leader" });
  });

  it("times out on a paused node, and reports a dead one as refused", async () => {
    cluster.signal(1, "SIGSTOP");
    try {
      const err = await rejection(lone.status({ timeoutMs: 300 }));
      expect(err).toBeInstanceOf(NoResponseError);
      expect((err as NoResponseError).reason).toBe("timeout");
    } finally {
      cluster.signal(1, "SIGCONT");
    }
    await cluster.kill(1);
    expect(await rejection(lone.status())).toMatchObject({ reason: "refused" });
  });
});
