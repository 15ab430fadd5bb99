// What a chaos client saw, and how it becomes a history (docs/DESIGN.md "Histories and the checker").
//
// An HTTP answer maps to a completion by what it proves about the operation:
// - ok: 204 write, 200/404 read, 200 cas.
// - failed: a 409 cas (the comparison ran and failed; it carries `current`).
// - not applied: the request certainly never took effect: 503 `no_leader`, `overloaded` or `lost`, a
//   redirect still unresolved after the hops allowed, a 4xx refusal, or a refused connection (nothing was
//   sent). A read or write becomes a `fail` event; a cas is left out of the history, because a `fail` cas
//   would claim that its comparison ran and failed.
// - unknown (`info`): 503 `timeout`/`unknown`, another 5xx, a client-side timeout, a reset connection.

import type { HistoryEvent, OpName, Value } from "../check/history.ts";

export type Completion = "ok" | "failed" | "not-applied" | "unknown";

/** What came back for one request, after redirects were followed. */
export type HttpResult =
  | { readonly kind: "response"; readonly status: number; readonly body: string }
  | { readonly kind: "no-response"; readonly reason: "refused" | "timeout" | "error"; readonly detail: string };

export interface Classified {
  readonly completion: Completion;
  /** An ok read: the value seen (null = absent). */
  readonly value?: Value;
  /** A failed cas: the value the comparison saw. */
  readonly current?: Value;
  /** Why, for the report: the status and error code, or the socket error. */
  readonly note: string;
}

const CERTAINLY_NOT_APPLIED = new Set(["no_leader", "transferring", "overloaded", "lost"]);

export function classify(f: OpName, r: HttpResult): Classified {
  if (r.kind === "no-response") {
    return { completion: r.reason === "refused" ? "not-applied" : "unknown", note: `${r.reason}: ${r.detail}` };
  }
  const { status, body } = r;
  const note = `${status}${errorCode(body) ? ` ${errorCode(body)}` : ""}`;
  if (f === "read" && status === 200) return { completion: "ok", value: body, note };
  if (f === "read" && status === 404) return { completion: "ok", value: null, note };
  if (f === "write" && status === 204) return { completion: "ok", note };
  if (f === "cas" && status === 200) return { completion: "ok", note };
  if (f === "cas" && status === 409) {
    const current = jsonField(body, "current");
    return typeof current === "string" || current === null
      ? { completion: "failed", current, note }
      : { completion: "failed", note };
  }
  if (status === 503)
    return { completion: CERTAINLY_NOT_APPLIED.has(errorCode(body) ?? "") ? "not-applied" : "unknown", note };
  if (status >= 300 && status < 500) return { completion: "not-applied", note };
  return { completion: "unknown", note };
}

function errorCode(body: string): string | undefined {
  const code = jsonField(body, "code");
  return typeof code === "string" ? code : undefined;
}

function jsonField(body: string, field: string): unknown {
  try {
    const doc: unknown = JSON.parse(body);
    return typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)[field] : undefined;
  } catch {
    return undefined;
  }
}

/** One operation as a client ran it. Times are ns on the run's monotonic clock. */
export interface OpRecord {
  readonly process: number;
  readonly f: OpName;
  readonly key: string;
  /** write: the value; cas: [expect, new]; read: null. */
  readonly input: Value | [Value, Value];
  readonly start: number;
  end: number;
  result: Classified;
  /** The node that gave the final answer (0 when none did). */
  node: number;
}

/** The history events of `records`, in time order (at equal times a completion precedes an invoke). */
export function historyOf(records: readonly OpRecord[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const r of records) {
    if (r.f === "cas" && r.result.completion === "not-applied") continue;
    events.push({ process: r.process, type: "invoke", f: r.f, key: r.key, value: r.input, time: r.start });
    events.push(completionEvent(r));
  }
  return events.sort((a, b) => a.time - b.time || Number(a.type === "invoke") - Number(b.type === "invoke"));
}

function completionEvent(r: OpRecord): HistoryEvent {
  const base = { process: r.process, f: r.f, key: r.key, time: r.end };
  switch (r.result.completion) {
    case "ok":
      return { ...base, type: "ok", value: r.f === "read" ? (r.result.value ?? null) : r.input };
    case "failed": {
      const e: HistoryEvent = { ...base, type: "fail", value: r.input };
      if (r.result.current !== undefined) e.current = r.result.current;
      return e;
    }
    case "not-applied":
      return { ...base, type: "fail", value: r.input };
    case "unknown":
      return { ...base, type: "info", value: r.input };
  }
}

/** JSON Lines, one event a line. */
export function historyText(events: readonly HistoryEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + (events.length ? "\n" : "");
}
