// Takes a calibration: each primitive in turn, a progress line before each and its figure after.
// `full` is `raftlab calibrate`'s (under a minute); `short` is what a bench run takes by default
// (about 15 s), with fewer samples and shorter cluster runs.

import { Loadgen, type LoadRunner } from "../load/loadgen.ts";
import { machineInfo } from "../machine.ts";
import { useCompiledNodes } from "../node-build.ts";
import type { SystemUnderTest } from "../systems/system.ts";
import { measureApply } from "./apply.ts";
import type { Calibration, Distribution } from "./calibration.ts";
import { measureClusterCpu } from "./cluster-cpu.ts";
import { measureFsync } from "./fsync.ts";
import { measurePeerRtt } from "./peer-rtt.ts";

export type CalibrationKind = Calibration["kind"];

const PLANS = {
  full: { fsyncs: 2000, roundTrips: 3000, applies: 200_000, durationS: 8, warmupS: 2 },
  short: { fsyncs: 300, roundTrips: 500, applies: 50_000, durationS: 2, warmupS: 1 },
} as const;

export interface CalibrateOptions {
  readonly kind: CalibrationKind;
  /** Value size of the writes, bytes (the bench's `--value-size`). */
  readonly valueSize: number;
  readonly log: (line: string) => void;
  /** The load generator to use (the bench's own); absent: one of its own. */
  readonly loadgen?: LoadRunner;
  /** `raftlab node` options for the clusters' nodes (the bench's `--state-machine` and those after "--"). */
  readonly nodeArgs?: readonly string[];
  /** Told about each cluster the calibration starts, so an abort can stop it. */
  readonly onSystem?: (system: SystemUnderTest) => void;
  /** Aborting stops the cluster run at once; the calibration then rejects. */
  readonly signal?: AbortSignal;
}

export async function calibrate(o: CalibrateOptions): Promise<Calibration> {
  const plan = PLANS[o.kind];
  const takenAt = new Date().toISOString();
  const dist = (d: Distribution): string => `p50 ${d.p50} µs, p99 ${d.p99} µs (${d.samples} samples)`;
  o.log(`calibrate (${o.kind}): fsync, ${plan.fsyncs} log writes`);
  const fsyncUs = await measureFsync(plan.fsyncs, o.valueSize);
  o.log(`  fsync ${dist(fsyncUs)}, ${fsyncUs.recordBytes}-byte entries`);
  o.log(`calibrate (${o.kind}): peer round trip, ${plan.roundTrips} AppendEntries`);
  const peerRttUs = await measurePeerRtt(plan.roundTrips, o.valueSize);
  o.log(`  peer round trip ${dist(peerRttUs)}`);
  const applyUs = measureApply(plan.applies, o.valueSize);
  o.log(`  apply ${applyUs.us} µs CPU per command (${applyUs.samples} commands)`);
  if (o.signal?.aborted) throw new Error("calibration interrupted");
  const build = useCompiledNodes("calibrate", o.log);
  const loadgen = o.loadgen ?? new Loadgen();
  let current: SystemUnderTest | null = null;
  const abort = (): void => {
    loadgen.kill();
    void current?.stop();
  };
  o.signal?.addEventListener("abort", abort);
  try {
    const cpu = await measureClusterCpu({
      loadgen,
      durationS: plan.durationS,
      warmupS: plan.warmupS,
      valueSize: o.valueSize,
      nodeArgs: o.nodeArgs ?? [],
      onSystem: (s) => {
        current = s;
        o.onSystem?.(s);
      },
      onRun: (r) =>
        o.log(
          `calibrate (${o.kind}): CPU per write, ${r.size}-node cluster, ${r.flags}, ${r.connections} connection${r.connections === 1 ? "" : "s"}, ${plan.warmupS + plan.durationS} s of load`,
        ),
    });
    o.log(
      `  CPU per write: 1 node ${cpu.httpUs.us} µs; 3 nodes: leader ${cpu.leaderCpuUsPerWrite.us} µs, ` +
        `follower ${cpu.followerCpuUsPerWrite.us} µs, load generator ${cpu.loadgenCpuUsPerWrite.us} µs ` +
        `(${cpu.entriesPerAppend.mean} entries per AppendEntries)`,
    );
    const lone = cpu.oneConnection;
    o.log(
      `  one connection, no flags: ${lone.throughput} writes/s; CPU per write: leader ${lone.leaderCpuUsPerWrite.us} µs, ` +
        `follower ${lone.followerCpuUsPerWrite.us} µs, load generator ${lone.loadgenCpuUsPerWrite.us} µs`,
    );
    return { kind: o.kind, takenAt, machine: machineInfo(), fsyncUs, peerRttUs, applyUs, ...cpu };
  } finally {
    o.signal?.removeEventListener("abort", abort);
    if (!o.loadgen) await loadgen.close();
    build.release();
  }
}
