// The simulator's model from a calibration: round trips and fsyncs as measured, and per-operation CPU
// costs that add up again to the leader's and a follower's measured CPU per write.

import { describe, expect, it } from "vitest";
import { perfModelFromCalibration } from "../../bench/calibrate/perf-model.ts";
import { SAMPLE_CALIBRATION as CAL } from "../support/calibration.ts";

describe("perfModelFromCalibration", () => {
  const m = perfModelFromCalibration(CAL);
  /** Per write at 46 entries per AppendEntries: what a node's operations add up to. */
  const perWrite = (messages: number, http: number): number =>
    http + m.cpu.appendUsPerEntry + m.cpu.applyUsPerEntry + (messages * m.cpu.messageUs) / 46;

  it("takes round trips and fsync latency as measured", () => {
    expect(m.rttMs).toBeCloseTo(CAL.peerRttUs.p50 / 1000, 9);
    expect(m.clientRttMs).toBe(m.rttMs);
    expect(m.fsyncMs).toEqual({ p50: CAL.fsyncUs.p50 / 1000, p99: CAL.fsyncUs.p99 / 1000 });
    expect(m.cpu.loadgenUsPerRequest).toBe(CAL.loadgenCpuUsPerWrite.us);
  });

  it("splits the measured CPU totals so that they add up again", () => {
    expect(perWrite(2, 0)).toBeCloseTo(CAL.followerCpuUsPerWrite.us, 9);
    expect(perWrite(4, m.cpu.httpUsPerRequest)).toBeCloseTo(CAL.leaderCpuUsPerWrite.us, 9);
    expect(m.cpu.httpUsPerRequest).toBeGreaterThan(0);
  });
});
