// The simulator's model from a calibration: round trips and fsyncs as measured, and per-operation CPU
// costs that add up again to the leader's and a follower's measured CPU per write.

import { describe, expect, it } from "vitest";
import { perfModelFromCalibration, UNRECORDED_ENTRIES_PER_APPEND } from "../../bench/calibrate/perf-model.ts";
import type { PerfModel } from "../../src/sim/perf-model.ts";
import { SAMPLE_CALIBRATION as CAL } from "../support/calibration.ts";

/** Per write at `perAppend` entries per AppendEntries: what a node's operations add up to under `m`. */
const perWrite = (m: PerfModel, perAppend: number, messages: number, http: number): number =>
  http + m.cpu.appendUsPerEntry + m.cpu.applyUsPerEntry + (messages * m.cpu.messageUs) / perAppend;

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
