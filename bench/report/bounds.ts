// Each cell against its analytic bounds (bench/calibrate/bounds.ts): the share of its throughput
// ceiling it reached, its mean latency against its floor, the limit that binds, and whether it is far
// enough from the bound that the gap is implementation overhead worth profiling.

import { type Binding, type Bound, latencyFloorMs, throughputCeiling, unbounded } from "../calibrate/bounds.ts";
import type { Calibration } from "../calibrate/calibration.ts";
import type { Cell } from "../results.ts";

/** Below this share of a bound, a cell's gap is the implementation's, not the machine's. */
export const OVERHEAD_SHARE = 0.5;

const LIMIT: Readonly<Record<Binding, string>> = {
  "leader-cpu": "the leader's CPU",
  "follower-cpu": "a follower's CPU",
  "machine-cpu": "the machine's cores (every process's CPU)",
  apply: "the apply thread's hold",
  fsync: "the fsyncs (writes per fsync × fsyncs per second)",
  "replication-window": "the replication window (AppendEntries in flight × entries each, per round trip)",
  "little's law": "the connections (Little's law: C ÷ the unloaded latency)",
  "offered load": "the offered load",
  "commit path": "the commit path (request, fsyncs, round trip, apply)",
};

export function limitName(binding: Binding): string {
  return LIMIT[binding];
}

export type CellVsBounds =
  | { readonly kind: "none"; readonly why: string }
  | {
      readonly kind: "bounded";
      readonly ceiling: Bound;
      readonly floor: Bound;
      /** Measured throughput ÷ the ceiling. */
      readonly throughputShare: number;
      /** The latency floor ÷ the measured mean latency. */
      readonly latencyShare: number;
      /** Either share under OVERHEAD_SHARE. */
      readonly overhead: boolean;
      /** "reached 61 % of its throughput ceiling (12,500 ops/s); binding limit: the leader's CPU" */
      readonly sentence: string;
    };

export function cellVsBounds(cal: Calibration, cell: Cell): CellVsBounds {
  if (cell.status !== "ok") return { kind: "none", why: "the cell failed" };
  const why = unbounded(cell);
  if (why) return { kind: "none", why };
  const ceiling = throughputCeiling(cal, cell)!;
  const floor = latencyFloorMs(cal, cell)!;
  const throughputShare = cell.throughput / ceiling.value;
  const latencyShare = cell.latencyMs.mean > 0 ? floor.value / cell.latencyMs.mean : 1;
  const overhead = Math.min(throughputShare, latencyShare) < OVERHEAD_SHARE;
  const sentence =
    `reached ${percent(throughputShare)} of its throughput ceiling (${Math.round(ceiling.value).toLocaleString("en-US")} ops/s); ` +
    `binding limit: ${limitName(ceiling.binding)}. Mean latency ${cell.latencyMs.mean.toFixed(3)} ms against a floor ` +
    `of ${floor.value.toFixed(3)} ms (${percent(latencyShare)})` +
    (overhead ? ": implementation overhead worth profiling" : "");
  return { kind: "bounded", ceiling, floor, throughputShare, latencyShare, overhead, sentence };
}

export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

type CalibrationRow = [name: string, value: number, samples: number, method: string];

/** The calibration's figures as table rows: name with its unit, value (p50 of a distribution), samples, method. */
export function calibrationRows(cal: Calibration): CalibrationRow[] {
  const d = (name: string, x: Calibration["fsyncUs" | "peerRttUs"]): CalibrationRow => [
    `${name}, p50 (µs)`,
    x.p50,
    x.samples,
    `p90 ${x.p90} µs, p99 ${x.p99} µs, mean ${x.mean} µs; ${x.method}`,
  ];
  const c = (name: string, x: Calibration["httpUs"]): CalibrationRow => [`${name} (µs)`, x.us, x.samples, x.method];
  const batching = cal.entriesPerAppend;
  const lone = cal.oneConnection;
  const rows: CalibrationRow[] = [
    d("fsync", cal.fsyncUs),
    d("peer round trip", cal.peerRttUs),
    c("request CPU, 1 node", cal.httpUs),
    c("apply CPU", cal.applyUs),
    c("leader CPU per write", cal.leaderCpuUsPerWrite),
    c("follower CPU per write", cal.followerCpuUsPerWrite),
    c("load generator CPU per write", cal.loadgenCpuUsPerWrite),
  ];
  if (batching) rows.push(["entries per AppendEntries", batching.mean, batching.samples, batching.method]);
  if (lone) {
    rows.push(
      [
        "one connection: writes per second",
        lone.throughput,
        lone.leaderCpuUsPerWrite.samples,
        "3-node cluster, flags none",
      ],
      c("one connection: leader CPU per write", lone.leaderCpuUsPerWrite),
      c("one connection: follower CPU per write", lone.followerCpuUsPerWrite),
      c("one connection: load generator CPU per write", lone.loadgenCpuUsPerWrite),
    );
  }
  return rows;
}
