// Membership changes on real node processes: a node joins a running cluster as a learner, catches up
// and is promoted; the leader removes itself and the others go on; a kill -9 of the leader in the
// middle of a change loses nothing acknowledged, the cut-off change is rolled back, and a restarted
// node recovers the configuration from its data directory.

import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { admitMember } from "../../src/node/admit-member.ts";
import { ApiError } from "../../src/node/api-client.ts";
import type { MembersState } from "../../src/node/api-types.ts";
import { clientUrlOf, peerUrlOf } from "../../src/node/cluster-file.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { freeBasePort, getStale, put } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

/** Three nodes with admin on, ports for two more; snapshots often, so joiners may need one. */
async function startThree(nodeArgs: readonly string[] = []): Promise<LocalCluster> {
  const cluster = new LocalCluster({
    nodes: 3,
    flags: parseFlags("all"),
    basePort: await freeBasePort(5),
    nodeArgs: ["--admin", "--snapshot-every", "20", ...nodeArgs],
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
  });
  cluster.start();
  return cluster;
}

async function stop(cluster: LocalCluster): Promise<void> {
  await cluster.stop();
  rmSync(cluster.dataDir, { recursive: true, force: true });
}

const roles = (m: MembersState): string => m.members.map((x) => `${x.id}:${x.role}`).join(" ");

async function writes(cluster: LocalCluster, via: number, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect((await put(cluster.clientUrl(via), `${prefix}${i}`, prefix)).status).toBe(204);
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected the call to be refused");
}

describe("membership changes on a running cluster", () => {
  it("a node joins as a learner, catches up, is promoted; the leader removes itself; writes go on", async () => {
    const cluster = await startThree();
    try {
      const leader = await cluster.waitForLeader(20_000);
      await writes(cluster, leader, "a", 60);

      const id = cluster.addNode();
      expect(id).toBe(4);
      const address = cluster.address(id);
      const added = await cluster.client(leader).changeMembers({
        op: "add-learner",
        id,
        client: clientUrlOf(address),
        peer: peerUrlOf(address),
      });
      expect(roles(added.members)).toBe("1:voter 2:voter 3:voter 4:learner");
      expect(added.members.committed).toBe(true);
      // The learner receives the log (a snapshot: the leader compacted past the start).
      await waitUntil(async () => (await getStale(cluster.clientUrl(id), "a59")).body === "a", "the learner has a59");

      // Refused changes say why.
      const follower = cluster.ids.find((x) => x !== leader && x !== id)!;
      expect((await rejection(cluster.client(follower).changeMembers({ op: "promote", id: 9 }))).status).toBe(409);
      const bad = await cluster.client(leader).send("POST", "/admin/members", { body: '{"op":"grow"}' });
      expect([bad.status, JSON.parse(bad.body).error]).toEqual([
        400,
        '"op" must be one of add-learner, promote, remove',
      ]);

      await admitMember([cluster.client(follower)], address, { promote: true, timeoutMs: 30_000 });
      const members = await cluster.client(leader).members(); // it applied the promotion before answering
      expect(roles(members)).toBe("1:voter 2:voter 3:voter 4:voter");
      expect(members.members.find((m) => m.id === id)?.client).toBe(cluster.clientUrl(id));

      // The leader removes itself: answered once committed, then it steps down for good.
      const removed = await cluster.client(leader).changeMembers({ op: "remove", id: leader });
      expect(removed.members.members.map((m) => m.id)).not.toContain(leader);
      const rest = cluster.ids.filter((x) => x !== leader);
      const next = await cluster.waitForLeader(20_000, rest);
      expect(next).not.toBe(leader);
      await writes(cluster, next, "b", 30);
      await waitUntil(async () => (await getStale(cluster.clientUrl(id), "b29")).body === "b", "node 4 has b29");
      expect(roles(await cluster.client(next).members())).toBe(rest.map((x) => `${x}:voter`).join(" "));
      const old = await cluster.status(leader);
      expect([old?.role, old?.leader]).toEqual(["follower", null]);

      // A second handle on the data directory, as 'raftlab cluster --add-node' opens it, adds node 5.
      const other = LocalCluster.existing(cluster.dataDir, {
        nodeArgs: ["--admin", "--snapshot-every", "20"],
        stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
      });
      try {
        const five = other.addNode();
        expect(five).toBe(5);
        await admitMember(
          rest.map((x) => other.client(x)),
          other.address(five),
          { promote: false, timeoutMs: 30_000 },
        );
        await waitUntil(async () => (await getStale(other.clientUrl(five), "b29")).body === "b", "node 5 has b29");
      } finally {
        await other.stop();
      }
    } finally {
      await stop(cluster);
    }
  }, 120_000);

  it("kill -9 of the leader in the middle of a change: the change is rolled back, and recovered state agrees", async () => {
    // Election timeouts of 0.6–1.2 s: the cut-off leader stays leader long enough to take the change.
    const cluster = await startThree(["--election-ticks", "40"]);
    try {
      const leader = await cluster.waitForLeader(20_000);
      const id = cluster.addNode();
      await admitMember([cluster.client(leader)], cluster.address(id), { promote: false, timeoutMs: 30_000 });
      await writes(cluster, leader, "a", 40);
      await waitUntil(async () => (await getStale(cluster.clientUrl(id), "a39")).body === "a", "the learner caught up");

      // Cut the leader's outgoing links: the promotion is appended and made durable on the leader
      // alone (in force there at once, uncommitted), then the leader is killed.
      await cluster.client(leader).setLinks({ partitioned: true });
      const promoting = cluster
        .client(leader)
        .changeMembers({ op: "promote", id })
        .catch((err: Error) => err);
      await waitUntil(async () => {
        const m = await cluster.client(leader).members();
        return !m.committed && roles(m) === "1:voter 2:voter 3:voter 4:voter";
      }, "the promotion in force on the leader, uncommitted");
      await cluster.kill(leader);
      expect(await promoting).toBeInstanceOf(Error);

      // The others never saw it: node 4 stays a learner, and the two remaining voters elect a leader.
      const others = cluster.ids.filter((x) => x !== leader);
      const next = await cluster.waitForLeader(20_000, others);
      await writes(cluster, next, "b", 40);
      expect(roles(await cluster.client(next).members())).toBe("1:voter 2:voter 3:voter 4:learner");

      // The old leader restarts with the promotion in its log; the new leader's log replaces it.
      cluster.startNode(leader);
      await waitUntil(
        async () => {
          const m = await cluster.client(leader).members();
          return m.committed && roles(m) === "1:voter 2:voter 3:voter 4:learner";
        },
        "the old leader's uncommitted promotion rolled back",
        20_000,
      );
      await waitUntil(
        async () => (await getStale(cluster.clientUrl(leader), "b39")).body === "b",
        "the old leader has b39",
      );

      // Promoted for real, then every node killed at once: each recovers the configuration from its
      // data directory (snapshot and log) before it hears from anyone.
      await admitMember([cluster.client(next)], cluster.address(id), { promote: true, timeoutMs: 30_000 });
      await waitUntil(async () => {
        for (const x of cluster.ids)
          if (roles(await cluster.client(x).members()) !== "1:voter 2:voter 3:voter 4:voter") return false;
        return true;
      }, "every node applied the promotion");
      await Promise.all(cluster.ids.map((x) => cluster.kill(x)));
      cluster.start();
      for (const x of cluster.ids) {
        const m = await waitUntil(() => cluster.client(x).members(), `node ${x} answers after the restart`);
        expect(roles(m), `node ${x}`).toBe("1:voter 2:voter 3:voter 4:voter");
      }
      const after = await cluster.waitForLeader(20_000);
      await writes(cluster, after, "c", 10);
    } finally {
      await stop(cluster);
    }
  }, 180_000);
});
