// The events of a run (`bench --event`) compared across flag combinations: per event and combination,
// the median over repetitions of what it cost (bench/events/metrics.ts), the stall with its range.

import type { Results } from "../results.ts";
import { RAFTLAB, seriesOrder } from "./aggregate.ts";

export interface EventComparison {
  /** As asked for (`kill-leader@2`). */
  readonly event: string;
  readonly combination: string;
  /** Repetitions that recorded the event. */
  readonly reps: number;
  readonly unavailableMs: { readonly median: number; readonly min: number; readonly max: number };
  /** Median over the repetitions with a success after the event (null: none had one). */
  readonly firstSuccessMs: number | null;
  readonly throughputBefore: number;
  readonly throughputAfter: number;
  readonly p99BeforeMs: number | null;
  readonly p99AfterMs: number | null;
}

/** One row per event and combination, events in injection order, combinations in the run's order. */
export function compareEvents(results: Results): EventComparison[] {
  const costs = results.cells.flatMap((c) =>
    c.status === "ok" && c.system === RAFTLAB ? (c.eventCosts ?? []).map((e) => ({ combination: c.flags, e })) : [],
  );
  const events = [...new Set([...costs].sort((a, b) => a.e.injectedAtMs - b.e.injectedAtMs).map((x) => x.e.event))];
  const combos = seriesOrder(results);
  return events.flatMap((event) =>
    combos.flatMap((combination) => {
      const es = costs.filter((x) => x.e.event === event && x.combination === combination).map((x) => x.e);
      if (es.length === 0) return [];
      const stalls = es.map((e) => e.unavailableMs);
      return [
        {
          event,
          combination,
          reps: es.length,
          unavailableMs: { median: median(stalls)!, min: Math.min(...stalls), max: Math.max(...stalls) },
          firstSuccessMs: median(es.flatMap((e) => (e.firstSuccessMs === null ? [] : [e.firstSuccessMs]))),
          throughputBefore: median(es.map((e) => e.before.throughput))!,
          throughputAfter: median(es.map((e) => e.after.throughput))!,
          p99BeforeMs: median(es.flatMap((e) => (e.before.p99Ms === null ? [] : [e.before.p99Ms]))),
          p99AfterMs: median(es.flatMap((e) => (e.after.p99Ms === null ? [] : [e.after.p99Ms]))),
        },
      ];
    }),
  );
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
