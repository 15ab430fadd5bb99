// POST /admin/transfer-leader on real node processes: a transfer under load makes the target lead
// while writes go on; one to a dead node is abandoned and the leader leads on; refusals are 4xx with
// a reason; and a leader stopped with SIGTERM hands over before it exits.

import { afterEach, describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { ApiError } from "../../src/node/api-client.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { freeBasePort, put, request, startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

/**
 * A hand-over must finish within one election timeout: 1.5-3 s here (100 ticks), so that a machine
 * busy with other tests does not make the target miss it.
 */
const ELECTION_TICKS = ["--election-ticks", "100"];
const ADMIN_NODE_ARGS = ["--admin", ...ELECTION_TICKS];

let t: TestCluster | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

/** The API error a promise rejects with. */
async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("POST /admin/transfer-leader", () => {
  it("hands leadership to the named node under load, and writes go on", async () => {
    t = await startCluster(3, "all", ADMIN_NODE_ARGS);
    const old = t.leader;
    const target = t.cluster.ids.find((id) => id !== old)!;
    let stop = false;
    let acked = 0;
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let i = 0; !stop; i++) {
        const r = await put(t!.cluster.clientUrl(old), `w${w}-${i}`, "v").catch(() => null);
        if (r?.status === 204) acked++;
      }
    });
    await waitUntil(() => acked > 50, "writes before the transfer", 30_000);
    const done = await t.cluster.client(old).transferLeader(target);
    expect(done.leader).toBe(target);
    expect(done.ms).toBeGreaterThan(0);
    expect(await t.cluster.waitForLeader(20_000)).toBe(target);
    const after = acked;
    await waitUntil(() => acked > after + 50, "writes after the transfer", 30_000);
    stop = true;
    await Promise.all(writers);
  }, 90_000);

  it("picks the most up-to-date follower when no node is named", async () => {
    t = await startCluster(3, "none", ADMIN_NODE_ARGS);
    const done = await t.cluster.client(t.leader).transferLeader();
    expect(done.leader).not.toBe(t.leader);
    expect(await t.cluster.waitForLeader(20_000)).toBe(done.leader);
  }, 60_000);

  it("abandons a transfer to a dead node within an election timeout; the leader leads on", async () => {
    t = await startCluster(3, "none", ADMIN_NODE_ARGS);
    const dead = t.cluster.ids.find((id) => id !== t!.leader)!;
    await t.cluster.kill(dead);
    const err = await refusal(t.cluster.client(t.leader).transferLeader(dead));
    expect(err.reply.status).toBe(409);
    expect(err.message).toMatch(new RegExp(`node ${dead} did not take over within an election timeout`));
    expect((await put(t.cluster.clientUrl(t.leader), "after", "1")).status).toBe(204);
    expect((await t.cluster.client(t.leader).status()).role).toBe("leader");
  }, 60_000);

  it("refuses with a reason: not the leader (421), unknown node or bad body (400), itself (409)", async () => {
    t = await startCluster(3, "none", ADMIN_NODE_ARGS);
    const follower = t.cluster.ids.find((id) => id !== t!.leader)!;
    // A follower names the leader once it has heard from it.
    await waitUntil(
      async () => (await t!.cluster.client(follower).status()).leader === t!.leader,
      "the follower to know the leader",
      20_000,
    );
    const notLeader = await refusal(t.cluster.client(follower).transferLeader(t.leader));
    expect(notLeader.reply.status).toBe(421);
    expect(JSON.parse(notLeader.reply.body).leader).toBe(t.leader);
    expect((await refusal(t.cluster.client(t.leader).transferLeader(9))).reply.status).toBe(400);
    expect((await refusal(t.cluster.client(t.leader).transferLeader(t.leader))).reply.status).toBe(409);
    const bad = await t.cluster.client(t.leader).send("POST", "/admin/transfer-leader", { body: '{"to":"two"}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toContain('"to" must be a node id');
  }, 60_000);
});

describe("SIGTERM", () => {
  it("makes a leader hand over before it exits; SIGINT does not", async () => {
    const cluster = new LocalCluster({
      nodes: 3,
      flags: parseFlags("all"),
      basePort: await freeBasePort(3),
      nodeArgs: ELECTION_TICKS,
      stdio: "keep",
    });
    cluster.start();
    t = { cluster, leader: await cluster.waitForLeader(20_000), stop: async () => cluster.stop() };
    const old = t.leader;
    cluster.signal(old, "SIGTERM");
    await waitUntil(() => !cluster.isRunning(old), "the leader to exit", 30_000);
    const line = /handed leadership to node (\d+) in [\d.]+ ms/.exec(cluster.output(old));
    expect(line, cluster.output(old)).not.toBeNull();
    const others = cluster.ids.filter((id) => id !== old);
    expect(await cluster.waitForLeader(20_000, others)).toBe(Number(line![1]));
    const next = Number(line![1]);
    expect((await request(`${cluster.clientUrl(next)}/status`)).status).toBe(200);
    cluster.signal(next, "SIGINT");
    await waitUntil(() => !cluster.isRunning(next), "the next leader to exit", 30_000);
    expect(cluster.output(next)).not.toContain("handed leadership");
  }, 90_000);
});
