// The simulator's model from a calibration: round trips and fsyncs as measured, and per-operation CPU
// costs that add up again to the leader's and a follower's measured CPU per write.

import { describe, expect, it } from "vitest";
import {
  FIT_WINDOW_NS,
  loneRun,
  perfModelFromCalibration,
  UNRECORDED_ENTRIES_PER_APPEND,
} from "../../bench/calibrate/perf-model.ts";
import type { PerfModel } from "../../src/sim/perf-model.ts";
import { SAMPLE_CALIBRATION as CAL } from "../support/calibration.ts";

/** Per write at `perAppend` entries per AppendEntries: what a node's operations add up to under `m`. */
const perWrite = (m: PerfModel, perAppend: number, messages: number, http: number): number =>
  http + m.cpu.appendUsPerEntry + m.cpu.applyUsPerEntry + (messages * m.cpu.messageUs) / perAppend;

const cost = (us: number) => ({ us, samples: 1, method: "test" });

describe("perfModelFromCalibration", () => {
  const m = perfModelFromCalibration(CAL);

  it("takes round trips and fsync latency as measured", () => {
    expect(m.rttMs).toBeCloseTo(CAL.peerRttUs.p50 / 1000, 9);
    expect(m.clientRttMs).toBe(m.rttMs);
    expect(m.fsyncMs).toEqual({ p50: CAL.fsyncUs.p50 / 1000, p99: CAL.fsyncUs.p99 / 1000 });
    expect(m.cpu.loadgenUsPerRequest).toBe(CAL.loadgenCpuUsPerWrite.us);
  });

  it("splits the measured CPU totals so that they add up again, at the batching they were measured at", () => {
    const perAppend = CAL.entriesPerAppend!.mean;
    expect(perWrite(m, perAppend, 2, 0)).toBeCloseTo(CAL.followerCpuUsPerWrite.us, 9);
    expect(perWrite(m, perAppend, 4, m.cpu.httpUsPerRequest)).toBeCloseTo(CAL.leaderCpuUsPerWrite.us, 9);
    expect(m.cpu.httpUsPerRequest).toBeGreaterThan(0);
    // Fewer entries per message: messages take a larger share of the same totals, so each costs less.
    const sparse = perfModelFromCalibration({ ...CAL, entriesPerAppend: { ...CAL.entriesPerAppend!, mean: 2 } });
    expect(perWrite(sparse, 2, 2, 0)).toBeCloseTo(CAL.followerCpuUsPerWrite.us, 9);
    expect(sparse.cpu.messageUs).toBeLessThan(m.cpu.messageUs);
  });

  it("fits the wake-up cost so that the one-connection run costs in the simulator what it cost measured", () => {
    expect(m.cpu.wakeUs).toBeGreaterThan(0);
    // Simulate that run with the fitted model: the four processes' CPU per write adds up as measured.
    const { run, writes } = loneRun(m);
    const windowNs = FIT_WINDOW_NS;
    const simulated = (run.nodes.reduce((a, n) => a + n.loopBusy * windowNs, 0) + run.loadgen.busyNs) / 1000 / writes;
    const lone = CAL.oneConnection!;
    const measured = lone.leaderCpuUsPerWrite.us + 2 * lone.followerCpuUsPerWrite.us + lone.loadgenCpuUsPerWrite.us;
    expect(simulated / measured).toBeGreaterThan(0.95);
    expect(simulated / measured).toBeLessThan(1.05);
    // And as fast as measured: every hop waits for its process to wake.
    expect(m.wakeLatencyUs).toBeGreaterThan(0);
    expect(writes / (windowNs / 1e9) / lone.throughput).toBeGreaterThan(0.97);
    expect(writes / (windowNs / 1e9) / lone.throughput).toBeLessThan(1.03);
    expect(writes).toBeLessThan(loneRun({ ...m, wakeLatencyUs: 0, cpu: { ...m.cpu, wakeUs: 0 } }).writes);
  });

  it("fits no wake-up cost where the per-operation costs already account for the one-connection run", () => {
    const cheap = {
      throughput: 1000,
      leaderCpuUsPerWrite: cost(1),
      followerCpuUsPerWrite: cost(1),
      loadgenCpuUsPerWrite: cost(1),
    };
    // Measured faster than the model can go without waking: no latency either.
    const fast = perfModelFromCalibration({ ...CAL, oneConnection: { ...cheap, throughput: 1e6 } });
    expect([fast.cpu.wakeUs, fast.wakeLatencyUs]).toEqual([0, 0]);
    expect(perfModelFromCalibration({ ...CAL, oneConnection: cheap }).cpu.wakeUs).toBe(0);
    const { oneConnection: _, ...older } = CAL;
    const o = perfModelFromCalibration(older);
    expect([o.cpu.wakeUs, o.wakeLatencyUs]).toEqual([0, 0]);
  });

  it("takes an older calibration without the figure at the batching its run had on this project's VM", () => {
    const { entriesPerAppend: _, ...older } = CAL;
    const o = perfModelFromCalibration(older);
    expect(perWrite(o, UNRECORDED_ENTRIES_PER_APPEND, 2, 0)).toBeCloseTo(CAL.followerCpuUsPerWrite.us, 9);
    expect(perWrite(o, UNRECORDED_ENTRIES_PER_APPEND, 4, o.cpu.httpUsPerRequest)).toBeCloseTo(
      CAL.leaderCpuUsPerWrite.us,
      9,
    );
  });
});
