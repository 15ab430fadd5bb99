// Real multi-process clusters: election, replication to every node, follower redirects, and
// linearizable reads across a leader change.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, getStale, put, request, startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

for (const size of [3, 5]) {
  describe(`${size}-node cluster`, () => {
    let t: TestCluster;
    beforeAll(async () => {
      t = await startCluster(size, "all");
    });
    afterAll(() => t?.stop());

    it("elects one leader that every node knows", async () => {
      const statuses = await waitUntil(async () => {
        const all = await Promise.all(t.cluster.ids.map((id) => t.cluster.status(id)));
        return all.every((s) => s?.leader === t.leader) && all;
      }, "every node to know the leader");
      const leaders = statuses.filter((s) => s?.role === "leader");
      expect(leaders).toHaveLength(1);
      for (const s of statuses) {
        expect(s?.leader).toBe(t.leader);
        expect(s?.pid).toBe(t.cluster.pid(s!.id));
      }
    });

    it("replicates an acknowledged write to every node", async () => {
      const leaderUrl = t.cluster.clientUrl(t.leader);
      for (let i = 0; i < 20; i++) expect((await put(leaderUrl, `k${i}`, `v${i}`)).status).toBe(204);
      for (const id of t.cluster.ids) {
        await waitUntil(
          async () => (await getStale(t.cluster.clientUrl(id), "k19")).body === "v19",
          `k19 applied on node ${id}`,
        );
        expect((await getStale(t.cluster.clientUrl(id), "k7")).body).toBe("v7");
      }
      expect((await get(leaderUrl, "k3")).body).toBe("v3");
      expect((await get(leaderUrl, "absent")).status).toBe(404);
    });

    it("redirects a follower's client to the leader with 307 and the same path", async () => {
      const follower = t.cluster.ids.find((id) => id !== t.leader)!;
      const r = await request(`${t.cluster.clientUrl(follower)}/kv/some%20key?x=1`, { method: "PUT", body: "v" });
      expect(r.status).toBe(307);
      expect(r.location).toBe(`${t.cluster.clientUrl(t.leader)}/kv/some%20key?x=1`);
      const g = await request(`${t.cluster.clientUrl(follower)}/kv/k1`);
      expect(g.status).toBe(307);
    });
  });
}

describe("ReadIndex across a leader change", () => {
  let t: TestCluster;
  beforeAll(async () => {
    t = await startCluster(3, "all");
  });
  afterAll(() => t?.stop());

  it("never returns a value older than the last acknowledged write after the old leader dies", async () => {
    const old = t.leader;
    for (let i = 1; i <= 30; i++) expect((await put(t.cluster.clientUrl(old), "reg", `v${i}`)).status).toBe(204);
    await t.cluster.kill(old);
    const survivors = t.cluster.ids.filter((id) => id !== old);
    const next = await t.cluster.waitForLeader(10_000, survivors);
    expect(next).not.toBe(old);
    // Reads through either survivor end at the new leader and see the last acknowledged write.
    for (const id of survivors) {
      const r = await get(t.cluster.clientUrl(id), "reg");
      expect(r.status).toBe(200);
      expect(r.body).toBe("v30");
    }
    expect((await put(t.cluster.clientUrl(next), "reg", "v31")).status).toBe(204);
    for (const id of survivors) expect((await get(t.cluster.clientUrl(id), "reg")).body).toBe("v31");
  });

  it("answers 503 no_leader, proposing nothing, once a majority is gone", async () => {
    const running = t.cluster.ids.filter((id) => t.cluster.isRunning(id));
    const [lone, other] = running as [number, number];
    await t.cluster.kill(other);
    await waitUntil(
      async () => (await t.cluster.status(lone))?.leader === null,
      `node ${lone} knows no leader`,
      10_000,
    );
    const r = await request(`${t.cluster.clientUrl(lone)}/kv/reg`, { method: "PUT", body: "never" });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ code: "no_leader" });
    const before = (await t.cluster.status(lone))!.lastIndex;
    expect((await request(`${t.cluster.clientUrl(lone)}/kv/reg`)).status).toBe(503);
    expect((await t.cluster.status(lone))!.lastIndex).toBe(before);
  });
});
