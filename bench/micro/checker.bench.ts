// Checker throughput on synthetic histories (deterministic from their seeds, linearizable by
// construction): a mid-size one with many keys, and a hot single key with lost replies (`info`), whose
// open-ended operations are what makes the search branch.

import type { Bench } from "tinybench";
import { pairEvents } from "../../src/check/history.ts";
import { checkOperations } from "../../src/check/linearizability.ts";
import { syntheticHistory } from "../../src/check/synthetic-history.ts";

const CASES = [
  { name: "check 2000 ops, 8 clients, 8 keys", history: { seed: 1, processes: 8, ops: 2000, keys: 8, infoRate: 0.02 } },
  {
    name: "check 1000 ops, 10 clients, 1 key, 5% info",
    history: { seed: 2, processes: 10, ops: 1000, keys: 1, infoRate: 0.05 },
  },
];

export function register(bench: Bench): void {
  for (const c of CASES) {
    const ops = pairEvents(syntheticHistory(c.history));
    bench.add(c.name, () => {
      const result = checkOperations(ops);
      if (result.verdict !== "linearizable") throw new Error(`${c.name}: ${result.verdict}`);
    });
  }
}
