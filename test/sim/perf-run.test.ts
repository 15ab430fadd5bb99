// The simulator's performance mode against figures worked out by hand: with the CPU free and the
// network's bandwidth unlimited, a write's latency is a sum of fsyncs and link delays that depends
// on the flags in known ways, and with a CPU cost per request the leader's loop caps throughput.
// Virtual time makes every figure exact and the machine's load irrelevant. Seeds are fixed: the only
// randomness is the election timeouts (and fsyncs, where their p99 exceeds their p50).

import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { DEFAULT_PERF_MODEL, type PerfModel } from "../../src/sim/perf-model.ts";
import { type PerfResult, runPerf } from "../../src/sim/perf-run.ts";
import { MS } from "../../src/sim/scheduler.ts";
import { FREE_CPU } from "../support/perf-models.ts";

/** Round trip R = 1 ms, fsync F = 2 ms (every one alike), nothing else costs anything. */
const HAND: PerfModel = {
  ...DEFAULT_PERF_MODEL,
  rttMs: 1,
  clientRttMs: 0,
  bandwidthMbps: 1e9,
  fsyncMs: { p50: 2, p99: 2 },
  cpu: FREE_CPU,
};

interface Measured {
  /** Successes per second of virtual time. */
  readonly throughput: number;
  readonly latenciesMs: number[];
  readonly p50Ms: number;
  readonly errors: number;
  readonly run: PerfResult;
}

function measure(
  flags: string,
  connections: number,
  model: PerfModel,
  o: { seed?: number; durationMs?: number; valueBytes?: number } = {},
) {
  const durationMs = o.durationMs ?? 2000;
  const latenciesMs: number[] = [];
  let errors = 0;
  const run = runPerf(
    {
      seed: o.seed ?? 1,
      flags: parseFlags(flags),
      nodes: 3,
      connections,
      valueBytes: o.valueBytes ?? 64,
      model,
      warmupNs: 200 * MS,
      durationNs: durationMs * MS,
    },
    {
      begin: () => {},
      end: () => {},
      success: (_at, latency) => latenciesMs.push(latency / MS),
      failure: () => errors++,
    },
  );
  latenciesMs.sort((a, b) => a - b);
  const p50Ms = latenciesMs[Math.floor(latenciesMs.length / 2)]!;
  return { throughput: latenciesMs.length / (durationMs / 1000), latenciesMs, p50Ms, errors, run } satisfies Measured;
}

const leaderBusy = (m: Measured): number => m.run.nodes.find((n) => n.id === m.run.leader)!.loopBusy;

describe("performance mode: latency and throughput worked out by hand", () => {
  it("one connection, no batching or parallel append: leader fsync, round trip, follower fsync (F + R + F)", () => {
    for (const rttMs of [1, 4]) {
      const m = measure("none", 1, { ...HAND, rttMs });
      const expected = 2 + rttMs + 2;
      expect(m.latenciesMs[0]).toBeCloseTo(expected, 6);
      expect(m.latenciesMs.at(-1)).toBeCloseTo(expected, 6);
      // One write at a time: throughput is 1 / latency (± the write cut by the window's end).
      expect(Math.abs(m.throughput - 1000 / expected)).toBeLessThanOrEqual(1);
      expect(m.errors).toBe(0);
    }
  });

  it("parallel append overlaps the leader's fsync with the round trip: max(F, R + F)", () => {
    expect(measure("parallel-append", 1, HAND).p50Ms).toBeCloseTo(Math.max(2, 1 + 2), 6);
    expect(measure("parallel-append", 1, { ...HAND, rttMs: 0.5, fsyncMs: { p50: 4, p99: 4 } }).p50Ms).toBeCloseTo(
      Math.max(4, 0.5 + 4),
      6,
    );
  });

  it("the client's round trip and an apply hold add to every write", () => {
    expect(measure("none", 1, { ...HAND, clientRttMs: 0.3 }).p50Ms).toBeCloseTo(5.3, 6);
    // Inline or on the apply thread, the answer follows the apply.
    expect(measure("none", 1, { ...HAND, applyHoldUs: 1000 }).p50Ms).toBeCloseTo(6, 6);
    expect(measure("async-apply", 1, { ...HAND, applyHoldUs: 1000 }).p50Ms).toBeCloseTo(6, 6);
  });

  it("batching raises throughput when the disk is the bottleneck", () => {
    // Without batching each entry is its own AppendEntries, one at a time: a follower takes R + F each.
    const none = measure("none", 32, HAND);
    expect(none.throughput).toBeLessThanOrEqual(1000 / (1 + 2) + 1);
    // Batched, all 32 writes share each round: leader fsync, round trip, follower fsync.
    const batch = measure("batch", 32, HAND);
    expect(batch.p50Ms).toBeCloseTo(2 + 1 + 2, 6);
    expect(batch.throughput).toBeCloseTo(32 * (1000 / 5), -1);
    expect(batch.throughput / none.throughput).toBeGreaterThan(10);
  });

  it("pipelining raises throughput when the round trip is the bottleneck", () => {
    const far = { ...HAND, rttMs: 10, fsyncMs: { p50: 0.1, p99: 0.1 } };
    const none = measure("none", 32, far);
    expect(none.throughput).toBeLessThanOrEqual(1000 / (10 + 0.1) + 1);
    expect(measure("pipeline", 32, far).throughput / none.throughput).toBeGreaterThan(20);
  });

  it("an apply hold on the event loop delays the followers' acknowledgements; async apply moves it off", () => {
    const slowApply = { ...HAND, applyHoldUs: 200 };
    // 32 entries per group: 6.4 ms of apply. Inline, every node holds its loop for it, the followers
    // before they acknowledge the next group: F + R/2 + 6.4 + R/2 + 6.4. Async: F + R + F + 6.4.
    expect(measure("batch", 32, slowApply).p50Ms).toBeCloseTo(2 + 0.5 + 6.4 + 0.5 + 6.4, 6);
    expect(measure("batch+async-apply", 32, slowApply).p50Ms).toBeCloseTo(2 + 1 + 2 + 6.4, 6);
  });

  it("the load generator's own loop spreads a burst of answers: batching alone then needs two round trips", () => {
    // 40 ms apart, fsync 0.1 ms. Answers that arrive together leave the generator 20 µs apart, so
    // the first request of a burst is proposed alone and the rest wait behind its AppendEntries,
    // which without pipelining is the only one in flight: two groups, each taking its round trip.
    const far = { ...HAND, rttMs: 40, fsyncMs: { p50: 0.1, p99: 0.1 } };
    const loadgen = { ...far, cpu: { ...FREE_CPU, loadgenUsPerRequest: 20 } };
    expect(measure("batch", 32, far).p50Ms).toBeCloseTo(40.2, 1);
    const split = measure("batch", 32, loadgen).p50Ms;
    expect(split).toBeGreaterThan(2 * 40);
    expect(split).toBeLessThan(2 * 40.2 + 0.1);
    expect(measure("batch+pipeline", 32, loadgen).p50Ms).toBeCloseTo(40.2, 1);
  });

  it("a CPU cost per request on the leader caps throughput at 1 / cost, and --cpu-scale lifts the cap", () => {
    const cpuBound = {
      ...HAND,
      rttMs: 0.1,
      fsyncMs: { p50: 0.1, p99: 0.1 },
      cpu: { ...FREE_CPU, httpUsPerRequest: 50 },
    };
    const m = measure("batch", 512, cpuBound, { durationMs: 1000 });
    expect(m.throughput).toBeLessThanOrEqual(1e6 / 50);
    expect(m.throughput).toBeGreaterThan(0.9 * (1e6 / 50));
    expect(leaderBusy(m)).toBeGreaterThan(0.9);
    // 8 connections: 0.4 ms of requests, then the group's fsync, round trip and fsync (0.3 ms) idle.
    const fewer = measure("batch", 8, cpuBound, { durationMs: 1000 });
    expect(leaderBusy(fewer)).toBeCloseTo(0.4 / 0.7, 2);
    expect(fewer.throughput).toBeCloseTo(8 / 0.7e-3, -2);
    const faster = measure("batch", 512, { ...cpuBound, cpuScale: 4 }, { durationMs: 1000 });
    expect(faster.throughput).toBeLessThanOrEqual(4 * (1e6 / 50));
    expect(faster.throughput).toBeGreaterThan(3 * m.throughput);
  });

  it("processes sharing cores split them: leader and load generator on one core halve the cap", () => {
    const bound = {
      ...HAND,
      rttMs: 0.1,
      fsyncMs: { p50: 0.1, p99: 0.1 },
      cpu: { ...FREE_CPU, httpUsPerRequest: 50, loadgenUsPerRequest: 50 },
    };
    const cap = 1e6 / 50;
    const own = measure("batch", 512, bound, { durationMs: 1000 });
    expect(own.throughput).toBeGreaterThan(0.9 * cap);
    // The followers cost nothing here, so two cores hold both busy processes at full speed.
    const two = measure("batch", 512, { ...bound, cores: 2 }, { durationMs: 1000 });
    expect(two.throughput).toBeGreaterThan(0.9 * cap);
    // One core: each write costs 50 + 50 µs of the same core.
    const one = measure("batch", 512, { ...bound, cores: 1 }, { durationMs: 1000 });
    expect(one.throughput).toBeLessThanOrEqual(cap / 2);
    expect(one.throughput).toBeGreaterThan(0.9 * (cap / 2));
  });

  it("a link's bandwidth shows: a 100 kB value at 100 Mbit/s is 8 ms on the wire", () => {
    const narrow = { ...HAND, rttMs: 0, fsyncMs: { p50: 0.001, p99: 0.001 }, bandwidthMbps: 100 };
    const m = measure("none", 1, narrow, { valueBytes: 100_000 });
    // Two fsyncs of 1 µs, the AppendEntries (value, key and framing) on the wire, and its small answer.
    const wireMs = (100_000 * 8) / 100e6 / 1e-3;
    expect(m.latenciesMs[0]).toBeGreaterThan(wireMs + 0.002);
    expect(m.latenciesMs.at(-1)).toBeLessThan(wireMs + 0.05);
  });
});

describe("performance mode: determinism", () => {
  const jittery = { ...DEFAULT_PERF_MODEL, fsyncMs: { p50: 0.5, p99: 3 } };

  it("the same seed gives the same trace and the same latencies (seed 5)", () => {
    const a = measure("all", 16, jittery, { seed: 5, durationMs: 500 });
    const b = measure("all", 16, jittery, { seed: 5, durationMs: 500 });
    expect(b.run.digest).toBe(a.run.digest);
    expect(b.latenciesMs).toEqual(a.latenciesMs);
    expect(b.run.nodes).toEqual(a.run.nodes);
    expect(b.run.stagesUs).toEqual(a.run.stagesUs);
  });

  it("another seed draws other fsync latencies (seeds 5 and 6)", () => {
    const a = measure("all", 16, jittery, { seed: 5, durationMs: 500 });
    const b = measure("all", 16, jittery, { seed: 6, durationMs: 500 });
    expect(b.run.digest).not.toBe(a.run.digest);
    expect(b.latenciesMs).not.toEqual(a.latenciesMs);
  });
});
