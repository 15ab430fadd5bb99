// A local process without the cluster's secret attacks a running 3-node cluster through its peer
// ports: it tries the handshake every way it can (the plain query of old, a challenge answered
// without the secret or with a guessed one) as every member, and sends what a lying leader would —
// a far higher term and an entry with a commit index covering it — on any connection it gets.
// Properties: every attempt gets the same 403 that names no cluster id, no term reaches the forged
// one, the forged entry is applied nowhere, and the cluster keeps committing throughout (the
// transport tests show that a member's own connection stays up).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import type { NodeStatus } from "../../src/node/api-types.ts";
import { getStale, put, startCluster, type TestCluster } from "../support/cluster.ts";
import { FORGED_TERM_STEP, forgedAppend, handshakeAttempts, INJECTED_KEY } from "../support/peer-attacks.ts";
import { sendFrame } from "../support/peer-dial.ts";
import { transportCounter } from "../support/prometheus-text.ts";
import { waitUntil } from "../support/wait.ts";

const CLUSTER_ID = "intruder-test-7f3a";

let t: TestCluster;
const peerUrl = (id: number): string => `ws://127.0.0.1:${t.cluster.o.basePort + 100 + id - 1}`;

/** Node `id`'s /status (retried: an idle keep-alive connection may be closed under the request). */
const statusOf = (id: number): Promise<NodeStatus> =>
  waitUntil(() => t.cluster.status(id, 5000), `node ${id}'s status`);

/** Every way in that an outsider without the secret has, as peer `from` of node `to`. */
const attempts = (from: number, to: number) => handshakeAttempts(peerUrl(to), CLUSTER_ID, from, to);

beforeAll(async () => {
  t = await startCluster(3, "all", ["--cluster-id", CLUSTER_ID]);
});
afterAll(async () => {
  await t?.stop();
});

describe("a local process without the secret", () => {
  it("cannot connect, learns nothing from the refusal, and cannot inject a term or an entry", async () => {
    const leader = t.leader;
    expect((await put(t.cluster.clientUrl(leader), "before", "1")).status).toBe(204);
    const follower = t.cluster.ids.find((id) => id !== leader)!;
    const s = await statusOf(follower);
    // What the leader would send to make the follower append and commit `injected`.
    const forged = forgedAppend(s, leader, follower);
    const answers: string[] = [];
    for (const [what, attempt] of Object.entries(attempts(leader, follower))) {
      const r = await attempt().catch((err: Error) => ({ status: 0, body: `${what}: ${err.message}` }));
      if ("ws" in r) {
        answers.push(`${what}: accepted`);
        await sendFrame(r.ws, forged);
        r.ws.terminate();
      } else {
        answers.push(`${r.status} ${r.body}`);
      }
    }
    // A write after the forgery is applied on the follower only after the forged frame was handled.
    // (Retried: had the forgery got through, the leader would have lost its term.)
    await waitUntil(
      async () => (await put(t.cluster.clientUrl(leader), "after", "1")).status === 204,
      "a write after the forgery",
      20_000,
    );
    await waitUntil(
      async () => (await getStale(t.cluster.clientUrl(follower), "after")).status === 200,
      "the follower to apply the later write",
    );
    for (const id of t.cluster.ids) {
      const st = await statusOf(id);
      expect(st.term, `term of node ${id}`).toBeLessThan(s.term + FORGED_TERM_STEP);
      expect((await getStale(t.cluster.clientUrl(id), INJECTED_KEY)).status, `"injected" on node ${id}`).toBe(404);
    }
    expect(answers.filter((a) => a.includes(CLUSTER_ID))).toEqual([]);
    expect([...new Set(answers)]).toEqual(["403 peer handshake refused"]);
  });

  it("cannot displace a member's connection: every try is refused while the cluster keeps committing", async () => {
    const ids = t.cluster.ids;
    const refusedBefore = await Promise.all(
      ids.map((id) => transportCounter(t.cluster.client(id), "refusedHandshakes")),
    );
    let tries = 0;
    const held: WebSocket[] = [];
    let failedDials = 0;
    for (let round = 0; round < 5; round++) {
      for (const to of ids) {
        for (const from of ids.filter((id) => id !== to)) {
          for (const attempt of Object.values(attempts(from, to))) {
            tries++;
            const r = await attempt().catch(() => null);
            if (r === null) failedDials++;
            // Held open: a socket let in would take the member's place on that node.
            else if ("ws" in r) held.push(r.ws);
          }
        }
      }
      expect((await put(t.cluster.clientUrl(t.leader), `during-${round}`, "1")).status, `write in round ${round}`).toBe(
        204,
      );
    }
    for (const ws of held) ws.terminate();
    expect(held.length, "connections let in").toBe(0);
    expect(failedDials, "dials that got no answer").toBe(0);
    const refused = await Promise.all(ids.map((id) => transportCounter(t.cluster.client(id), "refusedHandshakes")));
    expect(refused.reduce((a, b) => a + b, 0) - refusedBefore.reduce((a, b) => a + b, 0)).toBe(tries);
  });
});
