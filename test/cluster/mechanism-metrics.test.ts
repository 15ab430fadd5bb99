// Real node processes expose the mechanism counters in /metrics and /stats, and a replication knob
// given on the command line reaches the core: with --max-inflight 2 the leader never has more than
// two AppendEntries in flight to a follower, though a burst of unbatched proposals fills the window.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { put, startCluster, type TestCluster } from "../support/cluster.ts";
import { parseMetrics } from "../support/prometheus-text.ts";
import { waitUntil } from "../support/wait.ts";

/** `name{labels} value` samples of a Prometheus exposition. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return parseMetrics(text);
}

describe("mechanism counters on real nodes", () => {
  let t: TestCluster;
  beforeAll(async () => {
    // Batch off: every proposal is its own AppendEntries; a link delay keeps them in flight.
    t = await startCluster(3, "pipeline+parallel-append", ["--max-inflight", "2", "--net-delay", "2"]);
  });
  afterAll(() => t?.stop());

  it("counts leader and follower fsyncs, entries per AppendEntries and the in-flight window", async () => {
    const leaderUrl = t.cluster.clientUrl(t.leader);
    const puts = Array.from({ length: 60 }, (_, i) => put(leaderUrl, `k${i}`, "v".repeat(16)));
    for (const r of await Promise.all(puts)) expect(r.status).toBe(204);

    // With parallel append the two followers can commit an entry before the leader's own write is
    // durable, so the leader's fsyncs may still be finishing after the last reply.
    const m = await waitUntil(async () => {
      const s = await scrape(leaderUrl);
      return s.get("raftlab_leader_write_entries_count")! >= 60 && s;
    }, "the leader to write all 60 entries");
    expect(m.get("raftlab_leader_write_entries_sum")).toBe(m.get("raftlab_leader_write_entries_count"));
    // Batch off: one entry per AppendEntries.
    expect(m.get("raftlab_append_entries_sum")).toBe(m.get("raftlab_append_entries_count"));
    const inflight = (le: string): number => m.get(`raftlab_append_inflight_bucket{le="${le}"}`)!;
    // Commit needs one follower: at least that one was sent all 60.
    expect(inflight("+Inf")).toBeGreaterThanOrEqual(60);
    // The window of two was used, and never exceeded.
    expect(inflight("2")).toBe(inflight("+Inf"));
    expect(inflight("1")).toBeLessThan(inflight("2"));
    expect(m.get("raftlab_write_bytes_sum")).toBeGreaterThan(60 * 16);

    const follower = t.cluster.ids.find((id) => id !== t.leader)!;
    const f = await waitUntil(async () => {
      const s = await scrape(t.cluster.clientUrl(follower));
      return s.get("raftlab_apply_batch_sum")! >= 60 && s;
    }, "a follower to apply all 60 entries");
    expect(f.get("raftlab_follower_write_entries_sum")).toBeGreaterThanOrEqual(60);

    // /stats carries the same cumulative counters as JSON, for the bench.
    const stats = (await (await fetch(`${leaderUrl}/stats`)).json()) as {
      mechanism: Record<string, { count: number; sum: number; buckets: number[] }>;
    };
    expect(stats.mechanism.appendInflight!.count).toBeGreaterThanOrEqual(inflight("+Inf"));
    expect(stats.mechanism.leaderWriteEntries!.buckets).toHaveLength(32);
  });
});
