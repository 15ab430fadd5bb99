// Client histories (docs/DESIGN.md "Histories and the checker"): the event format, its parser, and the pairing of
// events into operations with a call time and a return time, which is what the checker searches over.
//
// One event a line:
//   {"process":0,"type":"invoke"|"ok"|"fail"|"info","f":"read"|"write"|"cas","key":"k","value":...,"time":ns}
// Values are strings, and `null` means "absent": a read that found nothing (404) has value null, a write
// of null deletes, and a cas carries [expect, new]. `f` may also be "append" (concatenate a string onto the
// value; absent counts as ""), an extra operation for histories of append-style stores.
//
// What each completion means:
// - `ok`: the operation took effect, exactly once, between its invoke and this event.
// - `info`: the outcome is unknown. The operation may have taken effect at any time after its invoke, or
//   never: its return time is +Infinity. An `info` read observed nothing and is dropped.
// - `fail`: the operation certainly had no effect. A failed read or write constrains nothing and is dropped.
//   A failed cas is kept as an observation: its comparison ran and failed inside the interval, so the value
//   then differed from `expect` (and equalled `current` when the event carries it). A client that knows a
//   cas was never submitted at all (no leader, rejected request) should leave it out of the history.
// Times only need to be ordered consistently per history (hrtime-style nanoseconds; epoch nanoseconds
// exceed 2^53 and lose sub-microsecond precision in JSON numbers). A completion at the same instant as
// another operation's invoke counts as concurrent with it.

export type OpName = "read" | "write" | "cas" | "append";
export type EventType = "invoke" | "ok" | "fail" | "info";
/** A stored value; null = absent. */
export type Value = string | null;

export interface HistoryEvent {
  process: number;
  type: EventType;
  f: OpName;
  key: string;
  /**
   * read: the value observed (null on invoke); write/append: the value written; cas: [expect, new].
   * The model reads it only from invokes and completed reads; elsewhere it may be null.
   */
  value: Value | [Value, Value];
  time: number;
  /** On a failed cas: the value the comparison saw, when the server reported it. */
  current?: Value;
}

/** What a completed (or possibly completed) operation tells the model. */
export type Operation =
  | OpCommon<"read", null, Value>
  | OpCommon<"write" | "append", Value, null>
  /** output: true = swapped, false = comparison failed (`current` = value seen, if reported), null = unknown. */
  | (OpCommon<"cas", [Value, Value], boolean | null> & { current?: Value });

interface OpCommon<F extends OpName, I, O> {
  process: number;
  f: F;
  key: string;
  input: I;
  output: O;
  call: number;
  /** +Infinity when the outcome is unknown (`info`, or no completion in the history). */
  return: number;
}

/** Malformed input; `line` is 1-based (an event's position for in-memory histories). */
export class HistoryError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = "HistoryError";
  }
}

const EVENT_TYPES: readonly string[] = ["invoke", "ok", "fail", "info"];
const OP_NAMES: readonly string[] = ["read", "write", "cas", "append"];

/** Parses and validates JSON Lines text (blank lines are skipped), then pairs it into operations. */
export function readHistory(text: string): Operation[] {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    events.push(parseEvent(raw, i + 1));
    lines.push(i + 1);
  });
  return pairEvents(events, lines);
}

/** Validates one line of a history. */
function parseEvent(raw: string, line: number): HistoryEvent {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new HistoryError(line, "not valid JSON");
  }
  return validateEvent(json, line);
}

/** Checks an already-decoded event object, throwing a HistoryError that names the bad field. */
export function validateEvent(json: unknown, line: number): HistoryEvent {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new HistoryError(line, "an event must be a JSON object");
  }
  const o = json as Record<string, unknown>;
  const fail = (detail: string): never => {
    throw new HistoryError(line, detail);
  };
  if (!Number.isSafeInteger(o.process)) fail(`"process" must be an integer (got ${show(o.process)})`);
  if (typeof o.type !== "string" || !EVENT_TYPES.includes(o.type)) {
    fail(`"type" must be one of ${EVENT_TYPES.join(", ")} (got ${show(o.type)})`);
  }
  if (typeof o.f !== "string" || !OP_NAMES.includes(o.f)) {
    fail(`"f" must be one of ${OP_NAMES.join(", ")} (got ${show(o.f)})`);
  }
  if (typeof o.key !== "string") fail(`"key" must be a string (got ${show(o.key)})`);
  if (typeof o.time !== "number" || !Number.isFinite(o.time)) fail(`"time" must be a number (got ${show(o.time)})`);
  const type = o.type as EventType;
  const f = o.f as OpName;
  const event: HistoryEvent = {
    process: o.process as number,
    type,
    f,
    key: o.key as string,
    value: null,
    time: o.time as number,
  };

  // The model reads values only from invokes and completed reads; on other completions a value is
  // optional (echoed or absent) but must still be well-formed.
  if (o.value === undefined || (o.value === null && f === "cas" && type !== "invoke")) {
    if (type === "invoke" && f !== "read") fail(`a ${f} invoke needs a "value"`);
    if (type === "ok" && f === "read") fail(`an ok read needs a "value" (null when the key was absent)`);
  } else if (f === "cas") {
    if (!isCasPair(o.value)) fail(`a cas "value" must be [expect, new] with strings or null (got ${show(o.value)})`);
    event.value = o.value as [Value, Value];
  } else {
    if (o.value !== null && typeof o.value !== "string")
      fail(`a ${f} "value" must be a string or null (got ${show(o.value)})`);
    if (f === "append" && o.value === null) fail(`an append "value" must be a string`);
    event.value = o.value as Value;
  }
  if (o.current !== undefined) {
    if (f !== "cas" || type !== "fail") fail(`"current" belongs only on a failed cas`);
    if (o.current !== null && typeof o.current !== "string")
      fail(`"current" must be a string or null (got ${show(o.current)})`);
    event.current = o.current as Value;
  }
  return event;
}

/**
 * Pairs each invoke with its process's next completion. `lines[i]` names event i in error messages
 * (default: its 1-based position). An invoke with no completion is treated like `info`.
 */
export function pairEvents(events: readonly HistoryEvent[], lines?: readonly number[]): Operation[] {
  const where = (i: number): number => lines?.[i] ?? i + 1;
  const pending = new Map<number, number>(); // process -> index of its open invoke
  const ops: Operation[] = [];
  events.forEach((e, i) => {
    const open = pending.get(e.process);
    if (e.type === "invoke") {
      if (open !== undefined) {
        throw new HistoryError(
          where(i),
          `process ${e.process} invoked again before its invoke on line ${where(open)} completed`,
        );
      }
      pending.set(e.process, i);
      return;
    }
    if (open === undefined)
      throw new HistoryError(where(i), `"${e.type}" for process ${e.process}, which has no operation in flight`);
    pending.delete(e.process);
    const inv = events[open]!;
    if (inv.f !== e.f || inv.key !== e.key) {
      throw new HistoryError(
        where(i),
        `completes a ${e.f} of key "${e.key}" but line ${where(open)} invoked a ${inv.f} of key "${inv.key}"`,
      );
    }
    if (e.time < inv.time) throw new HistoryError(where(i), `completes before its invoke on line ${where(open)}`);
    const op = toOperation(inv, e);
    if (op !== undefined) ops.push(op);
  });
  for (const open of pending.values()) {
    const op = toOperation(events[open]!, undefined);
    if (op !== undefined) ops.push(op);
  }
  return ops;
}

/** The operation an invoke and its completion (undefined = none) describe, or undefined when it constrains nothing. */
function toOperation(inv: HistoryEvent, done: HistoryEvent | undefined): Operation | undefined {
  const type = done?.type ?? "info";
  const base = { process: inv.process, key: inv.key, call: inv.time, return: type === "info" ? Infinity : done!.time };
  switch (inv.f) {
    case "read":
      return type === "ok" ? { ...base, f: "read", input: null, output: done!.value as Value } : undefined;
    case "write":
    case "append":
      return type === "fail" ? undefined : { ...base, f: inv.f, input: inv.value as Value, output: null };
    case "cas": {
      const input = inv.value as [Value, Value];
      if (type !== "fail") return { ...base, f: "cas", input, output: type === "ok" ? true : null };
      const op: Operation = { ...base, f: "cas", input, output: false };
      if (done!.current !== undefined) op.current = done!.current;
      return op;
    }
  }
}

function isCasPair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && v.every((x) => x === null || typeof x === "string");
}

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
