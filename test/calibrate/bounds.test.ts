// The analytic bounds against hand-computed cases (README, "Calibration and bounds"), all from one calibration:
// fsync 500 µs, peer round trip 100 µs, a 1-node write 50 µs of CPU, the 3-node leader 80 µs, a
// follower 40 µs, the load generator 30 µs, two cores.

import { describe, expect, it } from "vitest";
import {
  ceilings,
  commitPathUs,
  latencyFloorMs,
  leaderCpuUs,
  throughputCeiling,
  unbounded,
} from "../../bench/calibrate/bounds.ts";
import { ENVIRONMENTS } from "../../bench/environments.ts";
import type { CellConfig } from "../../bench/results.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";

const CAL = SAMPLE_CALIBRATION;

const cell = (over: Partial<CellConfig> = {}): CellConfig => ({
  system: "raftlab",
  flags: "none",
  size: 3,
  connections: 32,
  rate: null,
  rep: 0,
  durationS: 5,
  warmupS: 1,
  valueSize: 64,
  keys: 1000,
  keyDist: "uniform",
  readRatio: 0,
  netJitterMs: 0,
  netLoss: 0,
  ...ENVIRONMENTS.loopback,
  ...over,
});
const dc = ENVIRONMENTS.dc;

describe("commit path", () => {
  it("adds the leader's fsync, the round trip and a follower's fsync without parallel append", () => {
    expect(commitPathUs(CAL, cell())).toBe(500 + 100 + 500);
  });

  it("overlaps the leader's fsync with the round trip and the follower's with parallel append", () => {
    expect(commitPathUs(CAL, cell({ flags: "parallel-append" }))).toBe(Math.max(500, 100 + 500));
  });

  it("adds the environment: link delay both ways, the emulated fsync delay on each disk", () => {
    // fsync 500 + 1000 = 1500; round trip 100 + 2 × 250 = 600.
    expect(commitPathUs(CAL, cell(dc))).toBe(1500 + 600 + 1500);
    expect(commitPathUs(CAL, cell({ ...dc, flags: "all" }))).toBe(600 + 1500);
  });

  it("is the leader's own fsync on one node", () => {
    expect(commitPathUs(CAL, cell({ size: 1 }))).toBe(500);
  });
});

describe("leader CPU per write", () => {
  it("grows from the 1-node cost by the calibrated cost of each follower", () => {
    expect(leaderCpuUs(CAL, 1)).toBe(50);
    expect(leaderCpuUs(CAL, 3)).toBe(80);
    expect(leaderCpuUs(CAL, 5)).toBe(110);
  });
});

describe("throughput ceiling", () => {
  it("no flags: one entry per round trip of the one-slot window (1 / 1100 µs)", () => {
    const all = ceilings(CAL, cell());
    expect(all["leader-cpu"]).toBeCloseTo(1e6 / 80);
    expect(all["follower-cpu"]).toBeCloseTo(1e6 / 40);
    expect(all["machine-cpu"]).toBeCloseTo(2e6 / (80 + 2 * 40 + 30));
    expect(all.fsync).toBeCloseTo(1e6 / 500);
    expect(all["little's law"]).toBeCloseTo(32e6 / (30 + 50 + 1100));
    expect(all.apply).toBe(Number.POSITIVE_INFINITY);
    const c = throughputCeiling(CAL, cell())!;
    expect(c.binding).toBe("replication-window");
    expect(c.value).toBeCloseTo(1e6 / 1100);
  });

  it("parallel append frees the window slot of the leader's fsync: 1 / 600 µs", () => {
    const c = throughputCeiling(CAL, cell({ flags: "parallel-append" }))!;
    expect(c).toMatchObject({ binding: "replication-window" });
    expect(c.value).toBeCloseTo(1e6 / 600);
  });

  it("pipeline alone: one write per fsync binds (2000/s)", () => {
    const c = throughputCeiling(CAL, cell({ flags: "pipeline" }))!;
    expect(c.binding).toBe("fsync");
    expect(c.value).toBeCloseTo(2000);
  });

  it("batch: 32 connections share each fsync, and the machine's two cores bind", () => {
    const all = ceilings(CAL, cell({ flags: "batch" }));
    expect(all.fsync).toBeCloseTo(32 * 2000);
    expect(all["replication-window"]).toBeCloseTo((512 * 1e6) / 1100);
    const c = throughputCeiling(CAL, cell({ flags: "batch" }))!;
    expect(c.binding).toBe("machine-cpu");
    expect(c.value).toBeCloseTo(2e6 / 190);
  });

  it("inline apply holds the event loop; async apply moves the hold to its own thread", () => {
    const four = { ...CAL, machine: { ...CAL.machine, cores: 4 } };
    const inline = ceilings(four, cell({ ...dc, flags: "batch+pipeline+parallel-append" }));
    expect(inline["leader-cpu"]).toBeCloseTo(1e6 / (80 + 100));
    expect(inline["follower-cpu"]).toBeCloseTo(1e6 / (40 + 100));
    expect(throughputCeiling(four, cell({ ...dc, flags: "batch+pipeline+parallel-append" }))).toMatchObject({
      binding: "leader-cpu",
    });
    const async = ceilings(four, cell({ ...dc, flags: "all" }));
    expect(async["leader-cpu"]).toBeCloseTo(1e6 / 80);
    expect(async.apply).toBeCloseTo(1e6 / 100);
    // The 100 µs hold is spun on each of the three nodes: 80 + 2 × 40 + 30 + 3 × 100 µs per write.
    expect(async["machine-cpu"]).toBeCloseTo(4e6 / 490);
    expect(throughputCeiling(four, cell({ ...dc, flags: "all" }))).toMatchObject({ binding: "machine-cpu" });
  });

  it("honours the replication knobs of the cell", () => {
    const all = ceilings(CAL, cell({ flags: "batch+pipeline", maxInflight: 2, maxBatchEntries: 3 }));
    expect(all["replication-window"]).toBeCloseTo((2 * 3 * 1e6) / 1100);
  });

  it("one node has no follower and no window", () => {
    const all = ceilings(CAL, cell({ size: 1 }));
    expect(all["follower-cpu"]).toBe(Number.POSITIVE_INFINITY);
    expect(all["replication-window"]).toBe(Number.POSITIVE_INFINITY);
    expect(all["leader-cpu"]).toBeCloseTo(1e6 / 50);
    expect(throughputCeiling(CAL, cell({ size: 1 }))!.binding).toBe("fsync");
  });

  it("an open loop never exceeds its offered rate", () => {
    const open = cell({ flags: "all", connections: null, rate: 500 });
    expect(throughputCeiling(CAL, open)).toEqual({ value: 500, binding: "offered load" });
  });

  it("a cluster elsewhere is not limited by this machine's cores", () => {
    const remote = { ...cell({ flags: "batch" }), topology: { target: "c.json" } };
    expect(ceilings(CAL, remote)["machine-cpu"]).toBe(Number.POSITIVE_INFINITY);
    expect(throughputCeiling(CAL, remote)!.binding).toBe("leader-cpu");
  });

  it("a few connections are bound by Little's law: C ÷ the unloaded latency", () => {
    const c = throughputCeiling(CAL, cell({ flags: "all", connections: 2 }))!;
    expect(c.binding).toBe("little's law");
    expect(c.value).toBeCloseTo(2e6 / (30 + 50 + 600));
  });
});

describe("latency floor", () => {
  it("one connection: the request's CPU in the load generator and the leader, the commit path, the apply hold", () => {
    expect(latencyFloorMs(CAL, cell({ connections: 1 }))).toEqual({ value: 1.18, binding: "commit path" });
    expect(latencyFloorMs(CAL, cell({ ...dc, flags: "all", connections: 1 }))!.value).toBeCloseTo(
      (30 + 50 + 2100 + 100) / 1000,
    );
  });

  it("many connections: the wait Little's law gives at the throughput ceiling", () => {
    const f = latencyFloorMs(CAL, cell())!;
    expect(f.binding).toBe("replication-window");
    expect(f.value).toBeCloseTo((32 / (1e6 / 1100)) * 1000);
  });

  it("an open loop: the unloaded path", () => {
    const f = latencyFloorMs(CAL, cell({ connections: null, rate: 100 }))!;
    expect(f).toEqual({ value: 1.18, binding: "commit path" });
  });
});

describe("cells without bounds", () => {
  it("names why", () => {
    expect(unbounded(cell({ system: "etcd" }))).toMatch(/raftlab only/);
    expect(unbounded(cell({ readRatio: 0.5 }))).toMatch(/writes only/);
    expect(unbounded(cell({ events: ["kill-leader@2"] }))).toMatch(/events/);
    expect(throughputCeiling(CAL, cell({ readRatio: 0.5 }))).toBeNull();
    expect(latencyFloorMs(CAL, cell({ system: "etcd" }))).toBeNull();
    expect(unbounded(cell())).toBeNull();
  });
});
