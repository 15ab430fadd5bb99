// The simulator's cost model (src/sim/perf-model.ts) from a calibration of this machine: what
// `raftlab whatif --validate` and `bench --validate-model` simulate a measured run with.
//
// The calibration measures round trips and fsyncs directly, but CPU only as totals per write (leader,
// follower, load generator at 128 connections, with the entries per AppendEntries that run sent).
// The model charges CPU per operation; the split of each total into its operations keeps the default
// model's proportions: the follower's total scales appending, applying and messages, and what the
// leader pays beyond those is its HTTP request. What a loop pays to wake from idle is then fitted to
// the calibration's one-connection run, where every hop wakes a process: its CPU, the CPU per write
// that run measured beyond what the per-operation costs account for, divided by the wake-ups the
// simulator counts per write in the same configuration; its latency, the wait before a woken loop
// runs that makes the simulated run as fast as the measured one.

import { parseFlags } from "../../src/core/flags.ts";
import { DEFAULT_PERF_MODEL, type PerfModel } from "../../src/sim/perf-model.ts";
import { type PerfResult, runPerf } from "../../src/sim/perf-run.ts";
import { MS } from "../../src/sim/scheduler.ts";
import type { Calibration, OneConnectionCosts } from "./calibration.ts";

/**
 * Entries per AppendEntries for a calibration that did not record them (taken before they were):
 * what the same run sent on this project's VM when the default model was made.
 */
export const UNRECORDED_ENTRIES_PER_APPEND = 46;

export function perfModelFromCalibration(cal: Calibration): PerfModel {
  const d = DEFAULT_PERF_MODEL.cpu;
  const perAppend = cal.entriesPerAppend?.mean ?? UNRECORDED_ENTRIES_PER_APPEND;
  const msgsPerEntry = (n: number): number => (n * d.messageUs) / perAppend;
  // Per write: a follower receives an AppendEntries and answers it; the leader sends and hears two each.
  const followerDefault = d.appendUsPerEntry + d.applyUsPerEntry + msgsPerEntry(2);
  const scale = cal.followerCpuUsPerWrite.us / followerDefault;
  const shared = scale * (d.appendUsPerEntry + d.applyUsPerEntry + msgsPerEntry(4));
  const rttMs = cal.peerRttUs.p50 / 1000;
  const perOperation: PerfModel = {
    ...DEFAULT_PERF_MODEL,
    rttMs,
    clientRttMs: rttMs,
    fsyncMs: { p50: cal.fsyncUs.p50 / 1000, p99: Math.max(cal.fsyncUs.p50, cal.fsyncUs.p99) / 1000 },
    cpu: {
      httpUsPerRequest: Math.max(0, cal.leaderCpuUsPerWrite.us - shared),
      appendUsPerEntry: scale * d.appendUsPerEntry,
      applyUsPerEntry: scale * d.applyUsPerEntry,
      messageUs: scale * d.messageUs,
      loadgenUsPerRequest: cal.loadgenCpuUsPerWrite.us,
      wakeUs: 0,
    },
  };
  if (!cal.oneConnection) return perOperation;
  const withCpu = { ...perOperation, cpu: { ...perOperation.cpu, wakeUs: fitWakeUs(perOperation, cal.oneConnection) } };
  return { ...withCpu, wakeLatencyUs: fitWakeLatencyUs(withCpu, cal.oneConnection) };
}

/** Simulated time of the fit's run: enough one-connection writes for stable per-write means. */
export const FIT_WINDOW_NS = 1000 * MS;

/**
 * The wake-up cost that makes the simulated one-connection run (3 nodes, no flags) pay the CPU per
 * write the real one measured: the measured CPU beyond the per-operation costs, summed over the
 * leader, both followers and the load generator, ÷ the wake-ups they had per write; never below 0.
 */
function fitWakeUs(perOperation: PerfModel, lone: OneConnectionCosts): number {
  const { run, writes } = loneRun({ ...perOperation, cpu: { ...perOperation.cpu, wakeUs: 0 } });
  const simulatedUs = (busyNs: number): number => busyNs / 1000 / writes;
  let unexplainedUs = 0;
  let wakes = 0;
  for (const n of run.nodes) {
    const measured = n.id === run.leader ? lone.leaderCpuUsPerWrite.us : lone.followerCpuUsPerWrite.us;
    unexplainedUs += measured - simulatedUs(n.loopBusy * FIT_WINDOW_NS);
    wakes += n.wakes / writes;
  }
  unexplainedUs += lone.loadgenCpuUsPerWrite.us - simulatedUs(run.loadgen.busyNs);
  wakes += run.loadgen.wakes / writes;
  return wakes > 0 ? Math.max(0, unexplainedUs / wakes) : 0;
}

/** The first guess of the latency fit, µs: the scale of a sleeping process's wake-up. */
const LATENCY_PROBE_US = 100;

/**
 * The wake-up latency that makes the simulated one-connection run as fast as the measured one. A
 * write's time grows by the wake-ups on its path times the latency, so two runs (none and a probe)
 * give the slope; never below 0.
 */
function fitWakeLatencyUs(model: PerfModel, lone: OneConnectionCosts): number {
  const perWriteNs = (latencyUs: number): number =>
    FIT_WINDOW_NS / loneRun({ ...model, wakeLatencyUs: latencyUs }).writes;
  const base = perWriteNs(0);
  const slope = (perWriteNs(LATENCY_PROBE_US) - base) / LATENCY_PROBE_US;
  const measured = 1e9 / lone.throughput;
  return slope > 0 ? Math.max(0, (measured - base) / slope) : 0;
}

/** The calibration's one-connection configuration in the simulator (3 nodes, no flags), for FIT_WINDOW_NS. */
export function loneRun(model: PerfModel): { run: PerfResult; writes: number } {
  let writes = 0;
  const run = runPerf(
    {
      seed: 1,
      flags: parseFlags("none"),
      nodes: 3,
      connections: 1,
      valueBytes: 64,
      model,
      warmupNs: 200 * MS,
      durationNs: FIT_WINDOW_NS,
    },
    { begin: () => {}, end: () => {}, success: () => writes++, failure: () => {} },
  );
  if (writes === 0) throw new Error("the wake-up fit's simulated run acknowledged no write");
  return { run, writes };
}
