import { describe, expect, it } from "vitest";
import { MS, Scheduler } from "../../src/sim/scheduler.ts";

describe("Scheduler", () => {
  it("runs events in time order, and equal times in the order they were scheduled", () => {
    const s = new Scheduler(1);
    const seen: string[] = [];
    s.at(30, () => seen.push("c"));
    s.at(10, () => seen.push("a1"));
    s.at(20, () => seen.push("b"));
    s.at(10, () => seen.push("a2"));
    s.at(10, () => seen.push("a3"));
    s.runUntil(100);
    expect(seen).toEqual(["a1", "a2", "a3", "b", "c"]);
    expect(s.now).toBe(100);
  });

  it("lets events schedule more events, relative to the virtual clock", () => {
    const s = new Scheduler(1);
    const times: number[] = [];
    const loop = (): void => {
      times.push(s.now);
      if (times.length < 5) s.after(10 * MS, loop);
    };
    s.after(5 * MS, loop);
    s.runUntil(1000 * MS);
    expect(times).toEqual([5, 15, 25, 35, 45].map((t) => t * MS));
  });

  it("stops early when the stop condition holds, and leaves later events queued", () => {
    const s = new Scheduler(1);
    let n = 0;
    for (let i = 1; i <= 10; i++) s.at(i, () => n++);
    expect(s.runUntil(100, () => n === 4)).toBe(true);
    expect(s.now).toBe(4);
    expect(s.pending).toBe(6);
  });

  it("refuses events in the past and non-integer times", () => {
    const s = new Scheduler(1);
    s.runUntil(50);
    expect(() => s.at(49, () => {})).toThrow(/in the past/);
    expect(() => s.at(60.5, () => {})).toThrow(/integer/);
  });

  it("is deterministic: the same seed gives the same interleaving of random delays", () => {
    const trace = (seed: number): string => {
      const s = new Scheduler(seed);
      const out: string[] = [];
      for (let w = 0; w < 4; w++) {
        let k = 0;
        const step = (): void => {
          out.push(`${w}@${s.now}`);
          if (++k < 20) s.after(s.rng.int(0, 5) * MS, step);
        };
        s.after(0, step);
      }
      s.runUntil(10_000 * MS);
      return out.join(" ");
    };
    expect(trace(7)).toBe(trace(7));
    expect(trace(7)).not.toBe(trace(8));
  });

  it("orders thousands of random events correctly (heap)", () => {
    const s = new Scheduler(3);
    const got: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = s.rng.int(0, 1000);
      s.at(t, () => got.push([s.now, i]));
    }
    s.runUntil(1000);
    for (let i = 1; i < got.length; i++) {
      const [t0, i0] = got[i - 1]!;
      const [t1, i1] = got[i]!;
      expect(t1 > t0 || (t1 === t0 && i1 > i0)).toBe(true);
    }
  });
});
