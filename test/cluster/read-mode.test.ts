// `raftlab node --read-mode lease` on real processes: reads answer the latest write and /status says
// how reads are served; command lines that leave no safe lease are refused.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { captureOutput } from "../support/capture.ts";
import { get, put, startCluster, type TestCluster } from "../support/cluster.ts";

describe("--read-mode lease", () => {
  let t: TestCluster;
  beforeAll(async () => {
    // Elections well beyond a loaded machine's stalls, so the writes below meet a leader.
    t = await startCluster(3, "all", ["--read-mode", "lease", "--election-ticks", "60"]);
  }, 60_000);
  afterAll(() => t?.stop());

  it("reads the latest write through the leader's lease, and says so in /status", async () => {
    for (let i = 0; i < 20; i++) {
      expect((await put(t.cluster.clientUrl(1), "k", `v${i}`)).status).toBe(204);
      const r = await get(t.cluster.clientUrl(2), "k");
      expect([r.status, r.body]).toEqual([200, `v${i}`]);
    }
    for (const id of t.cluster.ids) expect((await t.cluster.client(id).status()).readMode).toBe("lease");
  }, 60_000);

  it("is refused without CheckQuorum, or with a drift bound that leaves no lease", async () => {
    for (const [extra, message] of [
      [["--no-check-quorum"], "--read-mode lease needs CheckQuorum"],
      [["--max-clock-drift-ms", "135"], "leaves no lease within 9 ticks of 15 ms"],
    ] as const) {
      const io = captureOutput();
      const argv = ["node", "--id", "1", "--peers", "1=127.0.0.1:7001:7101", "--data-dir", "d", "--read-mode", "lease"];
      expect(await main([...argv, ...extra])).toBe(64);
      vi.restoreAllMocks();
      expect(io.err.join("")).toContain(message);
    }
  });
});
