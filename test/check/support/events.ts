// Terse builders for hand-written histories: e(time, process, type, f, key, value, extra).

import type { EventType, HistoryEvent, OpName } from "../../../src/check/history.ts";

export function e(
  time: number,
  process: number,
  type: EventType,
  f: OpName,
  key: string,
  value: HistoryEvent["value"] = null,
  extra: Partial<HistoryEvent> = {},
): HistoryEvent {
  return { process, type, f, key, value, time, ...extra };
}
