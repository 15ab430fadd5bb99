// The simulator's model from a calibration: round trips and fsyncs as measured, and per-operation CPU
// costs that add up again to the leader's and a follower's measured CPU per write.

import { describe, expect, it } from "vitest";
import { perfModelFromCalibration, UNRECORDED_ENTRIES_PER_APPEND } from "../../bench/calibrate/perf-model.ts";
import { parseFlags } from "../../src/core/flags.ts";
import type { PerfModel } from "../../src/sim/perf-model.ts";
import { runPerf } from "../../src/sim/perf-run.ts";
import { MS } from "../../src/sim/scheduler.ts";
import { SAMPLE_CALIBRATION as CAL } from "../support/calibration.ts";

/** Per write at `perAppend` entries per AppendEntries: what a node's operations add up to under `m`. */
const perWrite = (m: PerfModel, perAppend: number, messages: number, http: number): number =>
  http + m.cpu.appendUsPerEntry + m.cpu.applyUsPerEntry + (messages * m.cpu.messageUs) / perAppend;

const cost = (us: number) => ({ us, samples: 1, method: "test" });

/** Writes acknowledged in a second of the one-connection run under `model` without wake-up costs. */
function writesWithout(model: PerfModel): number {
  let writes = 0;
  runPerf(
    {
      seed: 1,
      flags: parseFlags("none"),
      nodes: 3,
      connections: 1,
      valueBytes: 64,
      model: { ...model, wakeLatencyUs: 0, cpu: { ...model.cpu, wakeUs: 0 } },
      warmupNs: 200 * MS,
      durationNs: 1000 * MS,
    },
    { begin: () => {}, end: () => {}, success: () => writes++, failure: () => {} },
  );
  return writes;
}

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
    let writes = 0;
    const windowNs = 1000 * MS;
    const run = runPerf(
      {
        seed: 1,
        flags: parseFlags("none"),
        nodes: 3,
        connections: 1,
        valueBytes: 64,
        model: m,
        warmupNs: 200 * MS,
        durationNs: windowNs,
      },
      { begin: () => {}, end: () => {}, success: () => writes++, failure: () => {} },
    );
    const simulated = (run.nodes.reduce((a, n) => a + n.loopBusy * windowNs, 0) + run.loadgen.busyNs) / 1000 / writes;
    const lone = CAL.oneConnection!;
    const measured = lone.leaderCpuUsPerWrite.us + 2 * lone.followerCpuUsPerWrite.us + lone.loadgenCpuUsPerWrite.us;
    expect(simulated / measured).toBeGreaterThan(0.95);
    expect(simulated / measured).toBeLessThan(1.05);
    // And as fast as measured: every hop waits for its process to wake.
    expect(m.wakeLatencyUs).toBeGreaterThan(0);
    expect(writes / (windowNs / 1e9) / lone.throughput).toBeGreaterThan(0.97);
    expect(writes / (windowNs / 1e9) / lone.throughput).toBeLessThan(1.03);
    expect(writes).toBeLessThan(writesWithout(m));
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
