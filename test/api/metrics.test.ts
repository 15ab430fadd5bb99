// The node's Prometheus exposition: the per-stage histogram's buckets, sum and count as a scraper
// reads them, next to prom-client's own metrics.

import { describe, expect, it } from "vitest";
import { NodeMetrics } from "../../src/api/metrics.ts";
import { MechanismCounters } from "../../src/node/mechanism-counters.ts";
import { parseMetrics as samples } from "../support/prometheus-text.ts";

const source = {
  counters: new MechanismCounters(),
  status: () => ({ role: "leader", term: 3, commitIndex: 10, appliedIndex: 9, lastIndex: 11 }),
  elu: () => 0.25,
  transport: () => ({ sentFrames: 7 }),
  inflight: () => 5,
};

describe("NodeMetrics", () => {
  it("exposes the stage histogram with cumulative buckets, sum and count per stage", async () => {
    const m = new NodeMetrics(source);
    for (const us of [30, 50, 51, 700, 3_000, 9_000_000]) m.observeStage("replicate", us);
    m.observeStage("apply", 120);
    const text = await m.render();
    expect(text).toContain("# TYPE raftlab_stage_seconds histogram");
    const s = samples(text);
    const bucket = (stage: string, le: string): number | undefined =>
      s.get(`raftlab_stage_seconds_bucket{le="${le}",stage="${stage}"}`);
    expect(bucket("replicate", "0.00005")).toBe(2); // 30 and 50 µs: a bound is inclusive
    expect(bucket("replicate", "0.0001")).toBe(3);
    expect(bucket("replicate", "0.001")).toBe(4);
    expect(bucket("replicate", "0.005")).toBe(5);
    expect(bucket("replicate", "5")).toBe(5);
    expect(bucket("replicate", "+Inf")).toBe(6);
    expect(s.get('raftlab_stage_seconds_count{stage="replicate"}')).toBe(6);
    expect(s.get('raftlab_stage_seconds_sum{stage="replicate"}')).toBeCloseTo(9.003831, 9);
    expect(bucket("apply", "0.0001")).toBe(0);
    expect(bucket("apply", "0.0002")).toBe(1);
    expect(s.get('raftlab_stage_seconds_count{stage="queue"}')).toBe(0);
    // prom-client's own metrics are still there.
    expect(s.get("raftlab_term")).toBe(3);
    expect(s.get('raftlab_role{role="leader"}')).toBe(1);
    expect(s.get('raftlab_transport{counter="sentFrames"}')).toBe(7);
    expect(s.get("raftlab_inflight_requests")).toBe(5);
  });

  it("exposes every mechanism counter as a histogram in power-of-two buckets", async () => {
    const counters = new MechanismCounters();
    const m = new NodeMetrics({ ...source, counters });
    for (const n of [1, 38, 40]) counters.leaderWriteEntries.observe(n);
    counters.appendInflight.observe(3);
    const s = samples(await m.render());
    expect(s.get('raftlab_leader_write_entries_bucket{le="1"}')).toBe(1);
    expect(s.get('raftlab_leader_write_entries_bucket{le="32"}')).toBe(1);
    expect(s.get('raftlab_leader_write_entries_bucket{le="64"}')).toBe(3);
    expect(s.get('raftlab_leader_write_entries_bucket{le="+Inf"}')).toBe(3);
    expect(s.get("raftlab_leader_write_entries_sum")).toBe(79);
    expect(s.get("raftlab_leader_write_entries_count")).toBe(3);
    expect(s.get('raftlab_append_inflight_bucket{le="2"}')).toBe(0);
    expect(s.get('raftlab_append_inflight_bucket{le="4"}')).toBe(1);
    for (const name of ["follower_write_entries", "write_bytes", "append_entries", "apply_batch", "proposal_queue"]) {
      expect(s.get(`raftlab_${name}_count`)).toBe(0);
    }
  });
});
