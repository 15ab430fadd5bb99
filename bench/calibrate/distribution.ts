// Times a step run one after another and summarizes the times with the bench's HDR latency
// histogram (bench/load/latency.ts: 1 µs resolution below 1 ms, 3 significant digits above).

import { performance } from "node:perf_hooks";
import { LatencyRecorder } from "../load/latency.ts";
import type { Distribution } from "./calibration.ts";

/** Runs `step` `samples` times in sequence (after `warmup` untimed runs) and summarizes its time in µs. */
export async function timeSteps(
  samples: number,
  warmup: number,
  step: () => Promise<void>,
  method: string,
): Promise<Distribution> {
  for (let i = 0; i < warmup; i++) await step();
  const rec = new LatencyRecorder();
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await step();
    rec.recordMs(performance.now() - t0);
  }
  return distributionOf(rec, method);
}

/** The recorder's summary in µs. */
export function distributionOf(rec: LatencyRecorder, method: string): Distribution {
  const { latencyMs: ms } = rec.summary();
  const us = (v: number): number => Math.round(v * 1000);
  return { p50: us(ms.p50), p90: us(ms.p90), p99: us(ms.p99), mean: us(ms.mean), samples: rec.count, method };
}
