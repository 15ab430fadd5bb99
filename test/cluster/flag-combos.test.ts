// Every one of the 16 flag combinations is a working, replicating cluster of real processes.

import { describe, expect, it } from "vitest";
import { allCombos, formatFlags } from "../../src/core/flags.ts";
import { get, getStale, put, startCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

describe.concurrent("all 16 flag combinations in real processes", () => {
  for (const combo of allCombos().map(formatFlags)) {
    it(`${combo}: concurrent writes are acknowledged, readable, and replicated`, async () => {
      // Elections well beyond a loaded machine's stalls: 16 clusters start at once here, and a
      // needless election would turn the reads below into "no leader" answers.
      const t = await startCluster(3, combo, ["--election-ticks", "60"]);
      try {
        const base = t.cluster.clientUrl(t.leader);
        const writes = await Promise.all(Array.from({ length: 40 }, (_, i) => put(base, `key-${i}`, `value-${i}`)));
        expect(writes.map((w) => w.status)).toEqual(Array(40).fill(204));
        const status = await t.cluster.status(t.leader);
        expect(status?.flags).toBe(combo);
        for (const i of [0, 17, 39]) expect((await get(base, `key-${i}`)).body).toBe(`value-${i}`);
        for (const id of t.cluster.ids) {
          await waitUntil(
            async () => (await getStale(t.cluster.clientUrl(id), "key-39")).body === "value-39",
            `node ${id} applies key-39`,
          );
        }
      } finally {
        await t.stop();
      }
    });
  }
});
