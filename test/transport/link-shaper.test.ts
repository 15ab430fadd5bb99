import { describe, expect, it } from "vitest";
import { seededRng } from "../../src/core/rng.ts";
import { LinkSettingsError, LinkShaper } from "../../src/transport/link-shaper.ts";
import { waitUntil } from "../support/wait.ts";

describe("LinkShaper", () => {
  it("delivers synchronously on an unshaped link", () => {
    const shaper = new LinkShaper();
    let delivered = false;
    expect(shaper.shape(2, () => (delivered = true))).toBe(true);
    expect(delivered).toBe(true);
  });

  it("drops everything on a partitioned link, only that link, until healed", () => {
    const shaper = new LinkShaper();
    const got: number[] = [];
    shaper.set({ partitioned: true }, [2]);
    for (const to of [2, 3, 2]) shaper.shape(to, () => got.push(to));
    expect(got).toEqual([3]);
    expect(shaper.stats().droppedPartition).toBe(2);
    shaper.set({ partitioned: false }, [2]);
    shaper.shape(2, () => got.push(2));
    expect(got).toEqual([3, 2]);
  });

  it("drops roughly lossRate of the messages, the same ones for the same seed", () => {
    const run = (seed: number): number[] => {
      const shaper = new LinkShaper({ rng: seededRng(seed), defaults: { lossRate: 0.3 } });
      const dropped: number[] = [];
      for (let i = 0; i < 10_000; i++) if (!shaper.shape(2, () => {})) dropped.push(i);
      expect(shaper.stats().droppedLoss).toBe(dropped.length);
      return dropped;
    };
    const seed = 42;
    const a = run(seed);
    expect(a.length / 10_000, `seed ${seed}`).toBeGreaterThan(0.28);
    expect(a.length / 10_000, `seed ${seed}`).toBeLessThan(0.32);
    expect(run(seed)).toEqual(a);
    expect(run(seed + 1)).not.toEqual(a);
  });

  it("never delivers a 5 ms delayed message before 5 ms", async () => {
    const shaper = new LinkShaper({ defaults: { delayMs: 5 } });
    const early: number[] = [];
    let delivered = 0;
    for (let i = 0; i < 20; i++) {
      const sent = performance.now();
      shaper.shape(2, () => {
        const took = performance.now() - sent;
        if (took < 5) early.push(took);
        delivered++;
      });
    }
    expect(delivered).toBe(0);
    await waitUntil(() => delivered === 20, "delayed deliveries");
    expect(early).toEqual([]);
  });

  it("keeps a zero-jitter link FIFO even when its delay is lowered", async () => {
    const shaper = new LinkShaper();
    const order: string[] = [];
    shaper.set({ delayMs: 15 });
    shaper.shape(2, () => order.push("slow"));
    shaper.set({ delayMs: 1 });
    shaper.shape(2, () => order.push("fast"));
    shaper.shape(3, () => order.push("other link"));
    await waitUntil(() => order.length === 3, "three deliveries");
    expect(order).toEqual(["other link", "slow", "fast"]);
  });

  it("keeps each jittered delivery within delay ± jitter from below", async () => {
    const shaper = new LinkShaper({ rng: seededRng(7), defaults: { delayMs: 4, jitterMs: 3 } });
    const early: number[] = [];
    let delivered = 0;
    for (let i = 0; i < 30; i++) {
      const sent = performance.now();
      shaper.shape(2, () => {
        if (performance.now() - sent < 1) early.push(i);
        delivered++;
      });
    }
    await waitUntil(() => delivered === 30, "jittered deliveries");
    expect(early).toEqual([]);
  });

  it("discards pending deliveries on clear", async () => {
    const cleared = new LinkShaper({ defaults: { delayMs: 2 } });
    const witness = new LinkShaper({ defaults: { delayMs: 3 } });
    let clearedFired = false;
    let witnessFired = false;
    cleared.shape(2, () => (clearedFired = true));
    witness.shape(2, () => (witnessFired = true));
    cleared.clear();
    expect(cleared.stats().pending).toBe(0);
    await waitUntil(() => witnessFired, "the witness delivery");
    expect(clearedFired).toBe(false);
  });

  it("applies a change without `to` to every link, and validates settings", () => {
    const shaper = new LinkShaper();
    shaper.set({ delayMs: 5, lossRate: 0.1 }, [2]);
    shaper.set({ delayMs: 1 });
    expect(shaper.get(2)).toEqual({ delayMs: 1, jitterMs: 0, lossRate: 0.1, partitioned: false });
    expect(shaper.get(9)).toEqual({ delayMs: 1, jitterMs: 0, lossRate: 0, partitioned: false });
    expect(() => shaper.set({ delayMs: -1 })).toThrow(LinkSettingsError);
    expect(() => shaper.set({ jitterMs: Number.NaN })).toThrow(LinkSettingsError);
    expect(() => shaper.set({ lossRate: 1.5 }, [2])).toThrow(LinkSettingsError);
    expect(() => shaper.set({ partitioned: "yes" as unknown as boolean })).toThrow(LinkSettingsError);
    expect(shaper.get(2).delayMs).toBe(1); // a rejected change changes nothing
  });
});
