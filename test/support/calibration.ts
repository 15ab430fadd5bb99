// A calibration with round figures, for tests that need one: fsync 500 µs, peer round trip 100 µs,
// a 1-node write 50 µs of CPU, the 3-node leader 80 µs, a follower 40 µs, the load generator 30 µs,
// apply 2 µs, 10 entries per AppendEntries, two cores; at one connection with no flags 400 writes/s,
// the leader 900 µs of CPU per write, a follower 500 µs, the load generator 120 µs.

import type { Calibration } from "../../bench/calibrate/calibration.ts";

const dist = (p50: number) => ({ p50, p90: p50, p99: p50, mean: p50, samples: 100, method: "test" });
const cost = (us: number) => ({ us, samples: 100, method: "test" });

export const SAMPLE_CALIBRATION: Calibration = {
  kind: "full",
  takenAt: "2026-01-01T00:00:00.000Z",
  machine: {
    hostname: "test",
    cpuModel: "test",
    cores: 2,
    memoryBytes: 1 << 30,
    platform: "linux-x64",
    kernel: "test",
    node: "v20",
    raftlab: "0.1.0",
    commit: null,
  },
  fsyncUs: { ...dist(500), recordBytes: 74 },
  peerRttUs: dist(100),
  httpUs: cost(50),
  applyUs: cost(2),
  leaderCpuUsPerWrite: cost(80),
  followerCpuUsPerWrite: cost(40),
  loadgenCpuUsPerWrite: cost(30),
  entriesPerAppend: { mean: 10, samples: 100, method: "test" },
  oneConnection: {
    throughput: 400,
    leaderCpuUsPerWrite: cost(900),
    followerCpuUsPerWrite: cost(500),
    loadgenCpuUsPerWrite: cost(120),
  },
};
