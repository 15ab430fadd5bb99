// `raftlab node --state-machine noop`: a real cluster replicates and commits writes without keeping
// any data, and refuses to answer what it cannot know (reads, cas) with a 501 rather than wrong data.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/node/api-client.ts";
import { startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

let t: TestCluster;
beforeAll(async () => {
  t = await startCluster(3, "all", ["--state-machine", "noop"]);
});
afterAll(() => t?.stop());

describe("a cluster with --state-machine noop", () => {
  it("accepts writes and commits and applies them on every node", async () => {
    const leader = t.cluster.client(t.leader);
    const before = (await leader.status()).commitIndex;
    for (let i = 0; i < 20; i++) await leader.put(`k${i}`, `value ${i}`);
    await leader.delete("k0");
    const s = await leader.status();
    expect(s.stateMachine).toBe("noop");
    expect(s.commitIndex).toBeGreaterThanOrEqual(before + 21);
    expect(s.keys).toBe(0);
    for (const id of t.cluster.ids) {
      await waitUntil(
        async () => (await t.cluster.client(id).status()).appliedIndex >= s.commitIndex,
        `node ${id} to apply ${s.commitIndex}`,
      );
    }
  });

  it("answers reads and cas with 501 unsupported", async () => {
    const leader = t.cluster.client(t.leader);
    for (const call of [leader.get("k1"), leader.get("k1", { stale: true }), leader.cas("k1", null, "x")]) {
      const err = await call.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status: 501, code: "unsupported" });
      expect((err as ApiError).message).toMatch(/--state-machine noop/);
    }
  });
});
