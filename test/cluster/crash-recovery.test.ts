// kill -9 of the leader during a write stream: a new leader is elected, no acknowledged write is
// lost, and the killed node restarts on its data directory and catches up.

import { describe, expect, it } from "vitest";
import { get, getStale, put, startCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

describe("kill -9 of the leader during a write stream", () => {
  it("loses no acknowledged write, and the restarted node catches up", async () => {
    // Snapshot often so the restarted node may need InstallSnapshot to catch up.
    const t = await startCluster(3, "all", ["--snapshot-every", "50"]);
    try {
      const acked: string[] = [];
      let stop = false;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const key = `w${w}-${i}`;
          const r = await put(
            t.cluster.clientUrl(t.cluster.ids.find((id) => t.cluster.isRunning(id))!),
            key,
            key,
          ).catch(() => null);
          if (r?.status === 204) acked.push(key);
        }
      });
      await waitUntil(() => acked.length >= 100, "100 acknowledged writes");
      const old = t.leader;
      await t.cluster.kill(old);
      const killedAt = Date.now();
      const survivors = t.cluster.ids.filter((id) => id !== old);
      const next = await t.cluster.waitForLeader(10_000, survivors);
      const electionMs = Date.now() - killedAt;
      expect(next).not.toBe(old);
      // "A few election timeouts": the timeout is 150–300 ms.
      expect(electionMs).toBeLessThan(3000);
      const before = acked.length;
      await waitUntil(() => acked.length >= before + 100, "100 more acknowledged writes on the new leader", 20_000);
      stop = true;
      await Promise.all(writers);

      const leaderUrl = t.cluster.clientUrl(next);
      for (const key of acked) {
        const r = await get(leaderUrl, key);
        expect(r.status, `acknowledged write ${key}`).toBe(200);
        expect(r.body).toBe(key);
      }

      t.cluster.startNode(old);
      const target = (await t.cluster.status(next))!.commitIndex;
      await waitUntil(
        async () => ((await t.cluster.status(old))?.appliedIndex ?? 0) >= target,
        `node ${old} catches up to ${target}`,
        20_000,
      );
      const last = acked[acked.length - 1]!;
      expect((await getStale(t.cluster.clientUrl(old), last)).body).toBe(last);
      expect((await t.cluster.status(old))?.role).toBe("follower");
    } finally {
      await t.stop();
    }
  });
});
