// A failing seed is only useful if it replays exactly: the same options must give the same trace.

import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { runSeed, type SimRunOptions } from "../../src/sim/run.ts";

const base: SimRunOptions = { seed: 7, flags: parseFlags("all"), nodes: 3, ops: 120, faults: true };

describe("simulation determinism", () => {
  it("the same seed gives the same event trace, history and outcome", () => {
    const a = runSeed(base);
    const b = runSeed(base);
    expect(a.faults).toBeGreaterThan(0);
    expect(b.digest).toBe(a.digest);
    expect(b.history).toEqual(a.history);
    expect([b.ok, b.ops, b.faults, b.virtualNs, b.events]).toEqual([a.ok, a.ops, a.faults, a.virtualNs, a.events]);
  });

  it("a different seed or flag combination gives a different trace", () => {
    const a = runSeed(base);
    expect(runSeed({ ...base, seed: 8 }).digest).not.toBe(a.digest);
    expect(runSeed({ ...base, flags: parseFlags("none") }).digest).not.toBe(a.digest);
  });
});
