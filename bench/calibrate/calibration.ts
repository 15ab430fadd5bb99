// What `raftlab calibrate` measures: this machine's cost of each primitive a write pays (docs/DESIGN.md
// "Calibration and bounds"), the input of the analytic bounds (bounds.ts). Each figure carries how
// it was measured and from how many samples, so a reader can judge it. Stored as `calibration.json`
// and in every bench run's `results.json`.

import { readFileSync } from "node:fs";
import type { MachineInfo } from "../machine.ts";

/** A latency distribution, in µs. */
export interface Distribution {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly samples: number;
  readonly method: string;
}

/** One cost, in µs, averaged over `samples` operations. */
export interface Cost {
  readonly us: number;
  readonly samples: number;
  readonly method: string;
}

export interface Calibration {
  /** `short` (a bench run's default, a few seconds) or `full` (`raftlab calibrate`, about a minute). */
  readonly kind: "short" | "full";
  readonly takenAt: string;
  readonly machine: MachineInfo;
  /** One log write + fdatasync of a record of `recordBytes`, through the node's own file store. */
  readonly fsyncUs: Distribution & { readonly recordBytes: number };
  /** A message to a peer and its answer over the peer transport on loopback. */
  readonly peerRttUs: Distribution;
  /**
   * CPU per write of a 1-node cluster: what a request costs its leader without replication (HTTP
   * parse and reply, propose, log write, apply).
   */
  readonly httpUs: Cost;
  /** CPU of the state machine's apply per command (no modelled apply cost). */
  readonly applyUs: Cost;
  /** CPU per acknowledged write of the leader of a 3-node cluster. */
  readonly leaderCpuUsPerWrite: Cost;
  /** CPU per acknowledged write of a follower of that cluster (mean over the followers). */
  readonly followerCpuUsPerWrite: Cost;
  /** CPU per acknowledged write of the load generator in that run. */
  readonly loadgenCpuUsPerWrite: Cost;
  /**
   * Entries per AppendEntries the leader of that run sent: the batching its CPU per write was
   * measured at. Absent in calibrations taken before it was recorded.
   */
  readonly entriesPerAppend?: EntriesPerAppend;
  /**
   * The 3-node cluster again with no flags and one connection: every hop wakes a sleeping process.
   * Absent in calibrations taken before it was measured.
   */
  readonly oneConnection?: OneConnectionCosts;
}

export interface OneConnectionCosts {
  /** Acknowledged writes per second. */
  readonly throughput: number;
  readonly leaderCpuUsPerWrite: Cost;
  readonly followerCpuUsPerWrite: Cost;
  readonly loadgenCpuUsPerWrite: Cost;
}

export interface EntriesPerAppend {
  readonly mean: number;
  /** AppendEntries messages counted. */
  readonly samples: number;
  readonly method: string;
}

const DISTRIBUTIONS = ["fsyncUs", "peerRttUs"] as const;
const COSTS = ["httpUs", "applyUs", "leaderCpuUsPerWrite", "followerCpuUsPerWrite", "loadgenCpuUsPerWrite"] as const;

/** Reads a calibration file; throws a one-line message naming the file and what is wrong with it. */
export function readCalibration(file: string): Calibration {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `cannot read calibration ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`calibration ${file} is not JSON`);
  }
  const problem = calibrationProblem(data);
  if (problem) throw new Error(`calibration ${file}: ${problem} (write a new one with raftlab calibrate)`);
  return data as Calibration;
}

/** What makes `data` not a calibration, or null if it is one. */
export function calibrationProblem(data: unknown): string | null {
  if (typeof data !== "object" || data === null) return "not an object";
  const d = data as Record<string, Record<string, unknown> | undefined>;
  if (d.kind !== ("short" as unknown) && d.kind !== ("full" as unknown)) return `kind must be "short" or "full"`;
  for (const key of DISTRIBUTIONS) {
    for (const f of ["p50", "p90", "p99", "mean"]) {
      if (!positive(d[key]?.[f])) return `${key}.${f} must be a positive number`;
    }
  }
  for (const key of COSTS) if (!positive(d[key]?.us)) return `${key}.us must be a positive number`;
  return null;
}

const positive = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v > 0;
