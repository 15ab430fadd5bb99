// Majority commit computation (src/core/quorum.ts): runs on every AppendEntries response the leader
// handles, so it is on the replication hot path.

import type { Bench } from "tinybench";
import { majorityIndex } from "../../src/core/quorum.ts";

/** Written by every iteration so the computation cannot be optimized away. */
export let lastCommit = 0;

export function register(bench: Bench): void {
  for (const voters of [3, 5, 7]) {
    // Match indexes that change every call, like a leader's view under load.
    const matches = Array.from({ length: voters }, (_, i) => 1_000_000 + i * 17);
    let k = 0;
    bench.add(`quorum: majority commit index, ${voters} voters`, () => {
      matches[k % voters]! += 3;
      k++;
      lastCommit = majorityIndex(matches);
    });
  }
}
