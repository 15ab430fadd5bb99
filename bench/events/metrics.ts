// What an event cost, from the load generator's successes (exact completion times) and the cell's
// series: the time to the first success after it, the longest stretch without one, and throughput
// and p99 in equal spans before and after it.

import type { SuccessLog } from "../load/spec.ts";
import type { CellEvent, EventSpan, TimeSeries } from "../results.ts";
import { round3 } from "../systems/system.ts";
import type { Injection } from "./event.ts";

/** The span compared before and after an event, at most (shortened to fit in the window). */
export const COMPARE_MS = 2000;

export function eventCost(inj: Injection, successes: SuccessLog, series: TimeSeries): CellEvent {
  const at = successes.atMs;
  const e = inj.atMs;
  const compareMs = Math.max(0, Math.min(COMPARE_MS, e, series.windowMs - e));
  const first = at.findIndex((t) => t > e);
  // A reply already on its way when the event hit says nothing about recovery: the first success
  // that counts is of a request due after the event (latency runs from the due time).
  const recovered = at.findIndex((t, i) => t - successes.latencyMs[i]! >= e);
  const gap = longestGap(at, e, compareMs, series.windowMs, first);
  return {
    event: inj.event,
    kind: inj.kind,
    detail: inj.detail,
    nodes: inj.nodes,
    injectedAtMs: round3(e),
    firstSuccessMs: recovered < 0 ? null : round3(at[recovered]! - e),
    unavailableMs: round3(gap.to - gap.from),
    unavailableFromEventMs: round3(gap.from - e),
    unavailableToEventMs: round3(gap.to - e),
    compareMs: round3(compareMs),
    before: span(successes, e - compareMs, e),
    after: span(successes, e, e + compareMs),
    series: around(series, e, compareMs),
    ...(inj.missed.length > 0 ? { missed: inj.missed } : {}),
  };
}

/**
 * The longest stretch without a success that the event may have caused: the one it fell into (from
 * the last success before it, or the window's opening, to the first after it, or the window's close),
 * or any later one that starts within `compareMs` after it.
 */
function longestGap(
  at: readonly number[],
  e: number,
  compareMs: number,
  windowMs: number,
  first: number,
): { from: number; to: number } {
  if (first < 0) return { from: at.length > 0 ? at[at.length - 1]! : 0, to: windowMs };
  let best = { from: first > 0 ? at[first - 1]! : 0, to: at[first]! };
  for (let i = first; i < at.length && at[i]! < e + compareMs; i++) {
    const to = i + 1 < at.length ? at[i + 1]! : windowMs;
    if (to - at[i]! > best.to - best.from) best = { from: at[i]!, to };
  }
  return best;
}

/** Throughput and p99 of the successes completed in [from, to). */
function span(s: SuccessLog, from: number, to: number): EventSpan {
  const lat: number[] = [];
  s.atMs.forEach((t, i) => {
    if (t >= from && t < to) lat.push(s.latencyMs[i]!);
  });
  if (to <= from) return { throughput: 0, p99Ms: null };
  lat.sort((a, b) => a - b);
  return {
    throughput: Math.round((lat.length / (to - from)) * 1000 * 10) / 10,
    // Nearest rank: the smallest latency with at least 99 % of them at or below it.
    p99Ms: lat.length === 0 ? null : lat[Math.ceil(lat.length * 0.99) - 1]!,
  };
}

/** The intervals of `series` that overlap [e − compareMs, e + compareMs). */
function around(series: TimeSeries, e: number, compareMs: number): CellEvent["series"] {
  const step = series.intervalMs;
  const lo = Math.max(0, Math.floor((e - compareMs) / step));
  const hi = Math.min(series.ok.length, Math.ceil((e + compareMs) / step));
  return {
    intervalMs: step,
    startFromEventMs: round3(lo * step - e),
    ok: series.ok.slice(lo, hi),
    errors: series.errors.slice(lo, hi),
    p99Ms: series.p99Ms.slice(lo, hi),
  };
}
