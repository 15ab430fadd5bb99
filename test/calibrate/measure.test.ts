// The calibration's measurements, each run small: they time what they say (as many samples as asked,
// ordered percentiles, the bench entry's size), and the cluster runs account CPU to the right roles.
// No figure is compared with a speed: that is the benchmarks' business.

import { describe, expect, it } from "vitest";
import { measureApply } from "../../bench/calibrate/apply.ts";
import type { Distribution } from "../../bench/calibrate/calibration.ts";
import { measureClusterCpu } from "../../bench/calibrate/cluster-cpu.ts";
import { distributionOf } from "../../bench/calibrate/distribution.ts";
import { measureFsync } from "../../bench/calibrate/fsync.ts";
import { measurePeerRtt } from "../../bench/calibrate/peer-rtt.ts";
import { benchEntry } from "../../bench/calibrate/record.ts";
import { LatencyRecorder } from "../../bench/load/latency.ts";
import { Loadgen } from "../../bench/load/loadgen.ts";

function expectOrdered(d: Distribution, samples: number): void {
  expect(d.samples).toBe(samples);
  expect(d.p50).toBeGreaterThan(0);
  expect(d.p50).toBeLessThanOrEqual(d.p90);
  expect(d.p90).toBeLessThanOrEqual(d.p99);
}

describe("calibration measurements", () => {
  it("summarizes times in µs from the HDR recorder", () => {
    const rec = new LatencyRecorder();
    for (let ms = 0.001; ms <= 0.1001; ms += 0.001) rec.recordMs(ms); // 1..100 µs
    const d = distributionOf(rec, "m");
    expect(d).toMatchObject({ p50: 50, p90: 90, p99: 99, samples: 100, method: "m" });
    expect([50, 51]).toContain(d.mean); // 50.5 µs, to whole µs
  });

  it("times fsyncs of the bench's log entry", async () => {
    const d = await measureFsync(20, 64);
    expectOrdered(d, 20);
    expect(d.recordBytes).toBe(benchEntry(64).length);
    expect(d.method).toContain(`${benchEntry(64).length}-byte entry`);
  });

  it("times round trips over the peer transport", async () => {
    expectOrdered(await measurePeerRtt(20, 64), 20);
  });

  it("measures the state machine's apply CPU per command", () => {
    const c = measureApply(1000, 64);
    expect(c.samples).toBe(1000);
    expect(c.us).toBeGreaterThan(0);
  });

  it("accounts CPU per write to the 1-node leader, the 3-node leader, a follower and the load generator", async () => {
    const loadgen = new Loadgen();
    const runs: string[] = [];
    try {
      const c = await measureClusterCpu({
        loadgen,
        durationS: 0.5,
        warmupS: 0.2,
        valueSize: 64,
        nodeArgs: [],
        onRun: (r) => runs.push(`${r.size} nodes ${r.flags} ×${r.connections}`),
      });
      expect(runs).toEqual(["1 nodes all ×128", "3 nodes all ×128", "3 nodes none ×1"]);
      for (const cost of [c.httpUs, c.leaderCpuUsPerWrite, c.followerCpuUsPerWrite, c.loadgenCpuUsPerWrite]) {
        expect(cost.us).toBeGreaterThan(0);
        expect(cost.samples).toBeGreaterThan(0);
      }
      expect(c.leaderCpuUsPerWrite.method).toMatch(/^CPU of the leader .* \(3-node cluster/);
      expect(c.httpUs.method).toMatch(/\(1-node cluster/);
      // The leader sent AppendEntries, each with at least one entry.
      expect(c.entriesPerAppend.samples).toBeGreaterThan(0);
      expect(c.entriesPerAppend.mean).toBeGreaterThanOrEqual(1);
      const lone = c.oneConnection;
      expect(lone.throughput).toBeGreaterThan(0);
      for (const cost of [lone.leaderCpuUsPerWrite, lone.followerCpuUsPerWrite, lone.loadgenCpuUsPerWrite]) {
        expect(cost.us).toBeGreaterThan(0);
      }
      expect(lone.followerCpuUsPerWrite.method).toMatch(/\(3-node cluster, flags none, 1 connection,/);
    } finally {
      await loadgen.close();
    }
  }, 120_000);
});
