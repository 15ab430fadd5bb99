// Cost models for tests of the simulator's performance mode whose answers are worked out by hand.

import type { CpuCosts } from "../../src/sim/perf-model.ts";

/** No CPU cost anywhere: latencies are sums of fsyncs and link delays alone. */
export const FREE_CPU: CpuCosts = {
  httpUsPerRequest: 0,
  appendUsPerEntry: 0,
  applyUsPerEntry: 0,
  messageUs: 0,
  loadgenUsPerRequest: 0,
  wakeUs: 0,
};
