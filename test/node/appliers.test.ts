import { describe, expect, it } from "vitest";
import { inlineApplier, workerApplier } from "../../src/node/appliers.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import { KvStateMachine } from "../../src/node/kv-state-machine.ts";

const put = (index: number) => ({
  index,
  term: 1,
  data: encodeCommand({ op: "put", key: `k${index}`, value: new Uint8Array([index]) }),
});

describe("the modelled apply cost", () => {
  it("holds the applying thread for the cost of every command, mostly waiting rather than computing", () => {
    const sm = new KvStateMachine();
    const applier = inlineApplier(sm, 20_000);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let results: readonly unknown[] = [];
    applier.apply([put(1), put(2), { index: 3, term: 1, data: new Uint8Array(0) }], (r) => (results = r));
    const heldMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    expect(results).toHaveLength(3);
    expect(sm.appliedIndex).toBe(3);
    // Two commands at 20 ms (a no-op costs nothing): at least 40 ms held, and far less CPU than that.
    expect(heldMs).toBeGreaterThanOrEqual(40);
    expect((used.user + used.system) / 1000).toBeLessThan(20);
  });

  it("on a worker, applies in log order while the calling thread stays free", async () => {
    const sm = new KvStateMachine();
    const applier = workerApplier(sm, 10_000);
    try {
      const order: number[] = [];
      const started = performance.now();
      const done = [1, 2, 3].map(
        (i) => new Promise<void>((resolve) => applier.apply([put(i)], () => (order.push(sm.appliedIndex), resolve()))),
      );
      // apply() returned at once: the hold happens on the worker.
      expect(sm.appliedIndex).toBe(0);
      await Promise.all(done);
      expect(order).toEqual([1, 2, 3]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(30);
    } finally {
      applier.close?.();
    }
  });
});
