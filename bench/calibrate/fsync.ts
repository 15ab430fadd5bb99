// fsync latency as the log pays it: one entry of the bench's record size appended to the node's own
// file store and made durable, one after another (the micro-benchmark's step, bench/micro).

import { logFixture } from "../micro/log-append.bench.ts";
import type { Calibration, Distribution } from "./calibration.ts";
import { timeSteps } from "./distribution.ts";
import { benchEntry } from "./record.ts";

export async function measureFsync(samples: number, valueSize: number): Promise<Calibration["fsyncUs"]> {
  const entry = benchEntry(valueSize);
  const log = logFixture(0, entry);
  log.setup();
  try {
    const d: Distribution = await timeSteps(
      samples,
      Math.ceil(samples / 10),
      () => log.appendDurably(),
      `FileStore append of one ${entry.length}-byte entry + fdatasync, in sequence, in the system temp dir`,
    );
    return { ...d, recordBytes: entry.length };
  } finally {
    log.teardown();
  }
}
