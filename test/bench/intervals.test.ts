// The per-interval time series of a cell: outcomes land in the interval of their completion, empty
// intervals stay as zeros, each interval's percentiles come from its own histogram, and the series
// sums to the tally's totals.

import { describe, expect, it } from "vitest";
import { IntervalRecorder } from "../../bench/load/intervals.ts";
import { Tally } from "../../bench/load/tally.ts";

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe("IntervalRecorder", () => {
  it("puts outcomes in 100 ms intervals by completion time, keeps empty intervals, percentiles per interval", () => {
    const r = new IntervalRecorder(100);
    r.begin(1000);
    for (let i = 1; i <= 100; i++) r.success(1000 + 50, i); // interval 0: latencies 1..100 ms
    r.failure(1000 + 100); // exactly at a boundary: still interval 0
    r.success(1000 + 250, 7); // interval 2; interval 1 is a stall
    r.failure(1000 + 320);
    r.end(1000 + 350); // the last interval is 50 ms long
    const s = r.series();
    expect(s).toMatchObject({ intervalMs: 100, windowMs: 350 });
    expect(s.ok).toEqual([100, 0, 1, 0]);
    expect(s.errors).toEqual([1, 0, 0, 1]);
    expect(s.p50Ms[0]).toBeCloseTo(50, 1);
    expect(s.p99Ms[0]).toBeCloseTo(99, 1);
    expect(s.p50Ms[1]).toBeNull();
    expect(s.p50Ms[2]).toBeCloseTo(7, 1);
    expect(s.p99Ms[3]).toBeNull();
  });

  it("records the window's exact length, so a sliver past a boundary is counted as its interval", () => {
    const r = new IntervalRecorder(100);
    r.begin(1000);
    r.success(1000 + 150, 1);
    r.end(1000 + 200.04); // a third interval 0.04 ms long
    const s = r.series();
    expect(s.ok).toEqual([0, 1, 0]);
    expect(s.ok.length).toBe(Math.ceil(s.windowMs / s.intervalMs));
  });

  it("sums to the tally's totals", () => {
    const tally = new Tally();
    tally.begin();
    for (let i = 0; i < 5000; i++) {
      if (i % 97 === 0) tally.failure("status 503");
      else tally.success(0.1 + (i % 13));
    }
    tally.end();
    const result = tally.result();
    expect(sum(result.series.ok)).toBe(result.ok);
    expect(sum(result.series.errors)).toBe(result.errors);
    expect(result.series.ok.length).toBe(Math.max(1, Math.ceil((result.windowS * 1000) / 100)));
    expect(result.series.p50Ms.length).toBe(result.series.ok.length);
  });
});
