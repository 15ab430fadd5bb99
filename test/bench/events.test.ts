// `--event` spellings, and what an event cost computed from a hand-made series of successes.

import { describe, expect, it } from "vitest";
import { formatEvent, type Injection, parseEvent } from "../../bench/events/event.ts";
import { eventCost } from "../../bench/events/metrics.ts";
import type { SuccessLog } from "../../bench/load/spec.ts";
import type { TimeSeries } from "../../bench/results.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";

describe("event spellings", () => {
  it("parses every event in scope and spells it back canonically", () => {
    expect(parseEvent("kill-leader@2")).toEqual({ kind: "kill-leader", atS: 2 });
    expect(parseEvent("transfer-leader@4")).toEqual({ kind: "transfer-leader", atS: 4 });
    expect(parseEvent("pause-follower:500@1.5")).toEqual({ kind: "pause-follower", atS: 1.5, ms: 500 });
    expect(parseEvent("partition-leader:800@0")).toEqual({ kind: "partition-leader", atS: 0, ms: 800 });
    expect(parseEvent("slow-disk:2:5000@3")).toEqual({ kind: "slow-disk", atS: 3, node: 2, us: 5000 });
    expect(parseEvent("slow-disk:follower:0@3")).toMatchObject({ node: "follower", us: 0 });
    for (const s of ["kill-leader@2", "transfer-leader@1", "pause-follower:500@1.5", "slow-disk:leader:100@3"])
      expect(formatEvent(parseEvent(s))).toBe(s);
  });

  it("refuses bad spellings saying what is wrong", () => {
    const bad: [string, RegExp][] = [
      ["kill-leader", /has no time: spell it EVENT@SECONDS/],
      ["kill-leader@", /seconds into the measured window/],
      ["kill-leader@-1", /seconds into the measured window/],
      ["kill-leader:5@1", /spell it kill-leader@SECONDS/],
      ["pause-follower@1", /spell it pause-follower:MS@SECONDS/],
      ["pause-follower:0@1", /MS must be a whole number from 1 to 600000, got "0"/],
      ["partition-leader:1.5@1", /MS must be a whole number/],
      ["slow-disk:2@1", /spell it slow-disk:NODE:US@SECONDS/],
      ["slow-disk:two:5@1", /NODE must be a node id, leader or follower, got "two"/],
      ["slow-disk:1:-5@1", /US must be a whole number from 0 to 10000000/],
      [
        "crash-all@1",
        /unknown event "crash-all".*available: kill-leader, transfer-leader, add-learner, remove-follower/,
      ],
      ["transfer-leader:2@1", /spell it transfer-leader@SECONDS/],
      ["add-learner:4@1", /spell it add-learner@SECONDS/],
    ];
    for (const [raw, message] of bad) expect(() => parseEvent(raw), raw).toThrow(message);
  });

  it("needs open-loop load on clusters the bench starts, of 3 nodes or more, within the window", () => {
    const parse =
      (...args: string[]) =>
      () =>
        parseBenchOptions(["--event", "kill-leader@1", ...args]);
    expect(parse("--duration", "4")).toThrow(/--event needs open-loop load only \(--rate.*closed loop stops sending/);
    expect(parse("--rate", "100", "--connections", "8", "--duration", "4")).toThrow(/open-loop load only/);
    expect(parse("--rate", "100", "--sizes", "1,3", "--duration", "4")).toThrow(/--sizes 3 or more, not 1/);
    expect(parse("--rate", "100", "--sizes", "3", "--duration", "1")).toThrow(
      /kill-leader@1 is not within the 1 s measured window/,
    );
    expect(parse("--rate", "100", "--peer", "etcd", "--sizes", "3", "--duration", "4")).toThrow(/not with --peer/);
    expect(parseEvent("add-learner@1")).toEqual({ kind: "add-learner", atS: 1 });
    expect(formatEvent(parseEvent("remove-follower@2.5"))).toBe("remove-follower@2.5");
    const ok = parseBenchOptions(["--rate", "100", "--sizes", "3", "--duration", "4", "--event", "kill-leader@1.0"]);
    expect(ok !== "help" && ok.events).toEqual(["kill-leader@1"]);
  });

  it("has a preset of every event in scope on 3 nodes for none, batch and all, open loop", () => {
    const o = parseBenchOptions(["--preset", "events"]);
    if (o === "help") throw new Error("unexpected help");
    expect(o.sizes).toEqual([3]);
    expect(o.connections).toEqual([]);
    expect(o.rates).toHaveLength(1);
    expect(o.flags).toHaveLength(3);
    expect(new Set(o.events.map((e) => parseEvent(e).kind))).toEqual(
      new Set(["transfer-leader", "kill-leader", "pause-follower", "partition-leader", "slow-disk"]),
    );
  });
});

describe("event cost", () => {
  // Successes every 10 ms from 10 to 1000 ms, except for a 300 ms stall between 500 and 800.
  // Latencies: 1 ms up to 500, 5 ms after, and one of 50 ms at 810.
  const at: number[] = [];
  const latencyMs: number[] = [];
  for (let t = 10; t <= 1000; t += 10) {
    if (t > 500 && t < 800) continue;
    at.push(t);
    latencyMs.push(t === 810 ? 50 : t <= 500 ? 1 : 5);
  }
  const successes: SuccessLog = { atMs: at, latencyMs };
  const series: TimeSeries = {
    intervalMs: 100,
    windowMs: 1000,
    ok: [9, 10, 10, 10, 10, 0, 0, 0, 10, 10],
    errors: [0, 0, 0, 0, 0, 5, 5, 5, 0, 0],
    p50Ms: Array(10).fill(1),
    p99Ms: [1, 1, 1, 1, 1, null, null, null, 50, 5],
  };
  const inj = (atMs: number): Injection => ({
    event: "kill-leader@0.5",
    kind: "kill-leader",
    detail: "kill -9 node 1",
    nodes: [1],
    atMs,
    missed: [],
  });

  it("times the first success and the stall the event fell into, and compares equal spans", () => {
    const c = eventCost(inj(503), successes, series);
    expect(c.injectedAtMs).toBe(503);
    expect(c.firstSuccessMs).toBe(297); // 800 − 503 (due at 795, after the event)
    expect([c.unavailableMs, c.unavailableFromEventMs, c.unavailableToEventMs]).toEqual([300, -3, 297]);
    // The spans: 497 ms each way (the window ends 497 ms after the event).
    expect(c.compareMs).toBe(497);
    // Before [6, 503): 50 successes (10..500), p99 of fifty 1 ms latencies.
    expect(c.before).toEqual({ throughput: Math.round((50 / 497) * 1000 * 10) / 10, p99Ms: 1 });
    // After [503, 1000): 800..990 = 20 successes; nearest-rank p99 of nineteen 5 ms and one 50 ms is 50.
    expect(c.after).toEqual({ throughput: Math.round((20 / 497) * 1000 * 10) / 10, p99Ms: 50 });
    // The series from the interval holding 6 ms to the one holding 999 ms, timed from the event.
    expect(c.series).toEqual({
      intervalMs: 100,
      startFromEventMs: -503,
      ok: series.ok,
      errors: series.errors,
      p99Ms: series.p99Ms,
    });
    expect(c).not.toHaveProperty("missed");
  });

  it("finds a longer gap after the event than the one it fell into", () => {
    // At 300 the successes run on every 10 ms; the longest gap within the span after is 500 → 800.
    const c = eventCost(inj(300), successes, series);
    expect(c.firstSuccessMs).toBe(10);
    expect([c.unavailableMs, c.unavailableFromEventMs, c.unavailableToEventMs]).toEqual([300, 200, 500]);
  });

  it("does not count a reply already on its way as the first success", () => {
    // The success at 510 was due at 505, before the event at 507: the first that counts is at 520.
    const c = eventCost(inj(507), { atMs: [500, 510, 520], latencyMs: [1, 5, 5] }, series);
    expect(c.firstSuccessMs).toBe(13);
    expect([c.unavailableFromEventMs, c.unavailableToEventMs]).toEqual([13, 493]); // 520 → the window's end
  });

  it("runs the stall to the window's end when nothing succeeded after the event", () => {
    const none: SuccessLog = { atMs: [100, 200], latencyMs: [1, 1] };
    const c = eventCost({ ...inj(500), missed: ["node 3: {}"] }, none, series);
    expect(c.firstSuccessMs).toBeNull();
    expect([c.unavailableMs, c.unavailableFromEventMs, c.unavailableToEventMs]).toEqual([800, -300, 500]);
    expect(c.after).toEqual({ throughput: 0, p99Ms: null });
    expect(c.missed).toEqual(["node 3: {}"]);
  });
});
