// A partition made through the admin endpoint isolates the leader: the majority elects a new
// leader, the old one steps down (CheckQuorum) and serves no stale read, and nothing acknowledged is
// lost after healing.

import { describe, expect, it } from "vitest";
import type { LocalCluster } from "../../src/node/local-cluster.ts";
import { get, put, request, startCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

async function setLinks(cluster: LocalCluster, id: number, body: object): Promise<void> {
  await cluster.client(id).setLinks(body);
}

describe("leader isolated by a partition", () => {
  it("is replaced, steps down, serves no stale read, and loses nothing after healing", async () => {
    const t = await startCluster(3, "all", ["--admin"]);
    try {
      const { cluster } = t;
      const old = t.leader;
      const others = cluster.ids.filter((id) => id !== old);
      for (let i = 0; i < 20; i++) expect((await put(cluster.clientUrl(old), `a${i}`, "before")).status).toBe(204);

      await setLinks(cluster, old, { partitioned: true });
      for (const id of others) await setLinks(cluster, id, { to: [old], partitioned: true });

      const next = await cluster.waitForLeader(10_000, others);
      expect(next).not.toBe(old);
      await waitUntil(
        async () => (await cluster.status(old))?.role !== "leader",
        "the isolated leader steps down (CheckQuorum)",
        5000,
      );

      expect((await put(cluster.clientUrl(next), "a0", "after")).status).toBe(204);
      // The old leader cannot confirm a read index: it must not answer 200 with the old value.
      const stale = await request(`${cluster.clientUrl(old)}/kv/a0`);
      expect(stale.status === 200 && stale.body === "before").toBe(false);

      await setLinks(cluster, old, { partitioned: false });
      for (const id of others) await setLinks(cluster, id, { to: [old], partitioned: false });
      await waitUntil(
        async () => (await cluster.status(old))?.leader === next,
        "the old leader follows the new one",
        10_000,
      );
      for (let i = 0; i < 20; i++) {
        const r = await get(cluster.clientUrl(old), `a${i}`);
        expect(r.body).toBe(i === 0 ? "after" : "before");
      }
    } finally {
      await t.stop();
    }
  });
});
