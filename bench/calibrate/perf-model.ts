// The simulator's cost model (src/sim/perf-model.ts) from a calibration of this machine: what
// `raftlab whatif --validate` and `bench --validate-model` simulate a measured run with.
//
// The calibration measures round trips and fsyncs directly, but CPU only as totals per write (leader,
// follower, load generator at 128 connections, with the entries per AppendEntries that run sent).
// The model charges CPU per operation; the split of each total into its operations keeps the default
// model's proportions: the follower's total scales appending, applying and messages, and what the
// leader pays beyond those is its HTTP request.

import { DEFAULT_PERF_MODEL, type PerfModel } from "../../src/sim/perf-model.ts";
import type { Calibration } from "./calibration.ts";

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
  return {
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
    },
  };
}
