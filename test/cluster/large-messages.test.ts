// Messages larger than the peer transport's queue bound: a follower that needs a snapshot of more
// than 16 MiB catches up through a chunked snapshot, a value at the size limit commits, and a
// `--max-value-bytes` beyond what one AppendEntries frame carries is refused at start.
//
// The catch-up test prints how long the follower took; RAFTLAB_CATCHUP_MIB=64 (say) runs it with
// that much state instead of 20 MiB, to measure larger snapshots.

import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_VALUE_BYTES } from "../../src/api/http-api.ts";
import { getStale, request, requestLeader, startCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const STATE_MIB = Number(process.env.RAFTLAB_CATCHUP_MIB ?? 20);

/** PUTs until one is acknowledged: a leader change may lose a write, and a client then retries. */
async function putUntilAcked(url: string, body: Uint8Array, deadlineMs: number): Promise<number> {
  let attempts = 0;
  await waitUntil(
    async () => {
      attempts++;
      const r = await requestLeader(url, { method: "PUT", body }).catch(() => null);
      if (r !== null && r.status !== 204 && r.status !== 503) throw new Error(`PUT answered ${r.status}: ${r.body}`);
      return r?.status === 204;
    },
    `PUT ${url} to be acknowledged`,
    deadlineMs,
  );
  return attempts;
}

describe("large peer messages", () => {
  it(`a follower that was down catches up through a chunked snapshot of ${STATE_MIB} MiB`, async () => {
    const t = await startCluster(3, "all", ["--snapshot-every", "8", "--request-timeout-ms", "30000"]);
    try {
      const { cluster } = t;
      const follower = cluster.ids.find((id) => id !== t.leader)!;
      await cluster.kill(follower);
      // Values of 512 KiB: 20 MiB of state by default, more than the transport's 16 MiB queue bound.
      const values = new Map<string, Uint8Array>();
      for (let i = 0; i < STATE_MIB * 2; i++) {
        const key = `big-${i}`;
        const value = randomBytes(512 * 1024);
        await putUntilAcked(`${cluster.clientUrl(t.leader)}/kv/${key}`, value, 30_000);
        values.set(key, value);
      }
      const leaderId = await cluster.waitForLeader(
        10_000,
        cluster.ids.filter((id) => id !== follower),
      );
      const leader = (await cluster.status(leaderId))!;
      // The log the follower would need is compacted: only a snapshot can bring it back.
      expect((leader as unknown as { firstIndex: number }).firstIndex).toBeGreaterThan(10);

      const started = performance.now();
      cluster.startNode(follower);
      await waitUntil(
        async () => ((await cluster.status(follower))?.appliedIndex ?? 0) >= leader.appliedIndex,
        `node ${follower} to apply up to ${leader.appliedIndex}`,
        60_000,
      );
      console.log(
        `a follower caught up on ${STATE_MIB} MiB of state in ${(performance.now() - started).toFixed(0)} ms (from its restart)`,
      );
      for (const [key, value] of values) {
        const r = await fetch(`${cluster.clientUrl(follower)}/kv/${key}?stale=1`);
        expect(r.status, key).toBe(200);
        expect(sha(new Uint8Array(await r.arrayBuffer())), key).toBe(sha(value));
      }
      expect((await getStale(cluster.clientUrl(follower), "absent")).status).toBe(404);
    } finally {
      await t.stop();
    }
  }, 120_000);

  it("commits a value of the largest size --max-value-bytes allows, on every node", async () => {
    const t = await startCluster(3, "all", [
      "--max-value-bytes",
      String(MAX_VALUE_BYTES),
      "--request-timeout-ms",
      "30000",
    ]);
    try {
      const value = randomBytes(MAX_VALUE_BYTES);
      // Retried: handling a value this large stalls each node's event loop for a while, which on a
      // loaded machine can outlast an election timeout and cost the write its leader.
      const attempts = await putUntilAcked(`${t.cluster.clientUrl(t.leader)}/kv/huge`, value, 150_000);
      if (attempts > 1) console.log(`the ${MAX_VALUE_BYTES}-byte PUT was acknowledged on attempt ${attempts}`);
      const index = (await t.cluster.status(await t.cluster.waitForLeader()))!.appliedIndex;
      for (const id of t.cluster.ids) {
        await waitUntil(
          async () => ((await t.cluster.status(id))?.appliedIndex ?? 0) >= index,
          `node ${id} to apply ${index}`,
          30_000,
        );
        const got = await fetch(`${t.cluster.clientUrl(id)}/kv/huge?stale=1`);
        expect(sha(new Uint8Array(await got.arrayBuffer())), `node ${id}`).toBe(sha(value));
      }
      const over = await request(`${t.cluster.clientUrl(await t.cluster.waitForLeader())}/kv/over`, {
        method: "PUT",
        body: new Uint8Array(MAX_VALUE_BYTES + 1),
      });
      expect(over.status).toBe(413);
    } finally {
      await t.stop();
    }
  }, 240_000);

  it("refuses a --max-value-bytes above the maximum with a usage error that names it", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "raftlab-cap-"));
    try {
      const main = path.join(process.env.RAFTLAB_NODE_BUILD!, "src", "cli", "main.js");
      const run = spawnSync(
        process.execPath,
        [
          main,
          "node",
          "--id",
          "1",
          "--peers",
          "1=127.0.0.1:1:2",
          "--data-dir",
          dir,
          "--max-value-bytes",
          String(MAX_VALUE_BYTES + 1),
        ],
        { encoding: "utf8", timeout: 20_000 },
      );
      expect(run.status).toBe(64);
      expect(run.stderr).toContain("--max-value-bytes");
      expect(run.stderr).toContain(String(MAX_VALUE_BYTES));
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
