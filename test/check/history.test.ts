import { describe, expect, it } from "vitest";
import { HistoryError, type HistoryEvent, pairEvents, readHistory } from "../../src/check/history.ts";
import { e } from "./support/events.ts";

const lines = (...events: object[]): string => events.map((x) => JSON.stringify(x)).join("\n");

function errorOf(fn: () => unknown): HistoryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HistoryError) return err;
    throw err;
  }
  throw new Error("expected a HistoryError");
}

describe("history parsing", () => {
  it("reads JSON Lines into operations with call and return times, skipping blank lines", () => {
    const text = `${lines(e(1, 0, "invoke", "write", "k", "a"), e(2, 1, "invoke", "read", "k"))}\n\n${lines(
      e(3, 1, "ok", "read", "k", "a"),
      e(4, 0, "ok", "write", "k", "a"),
    )}\n`;
    expect(readHistory(text)).toEqual([
      { process: 1, f: "read", key: "k", input: null, output: "a", call: 2, return: 3 },
      { process: 0, f: "write", key: "k", input: "a", output: null, call: 1, return: 4 },
    ]);
  });

  it.each([
    ["not json", "{nope", /line 2: not valid JSON/],
    ["an array", "[1,2]", /line 2: an event must be a JSON object/],
    [
      "a bad type",
      JSON.stringify({ ...e(1, 0, "ok", "read", "k"), type: "done" }),
      /line 2: "type" must be one of invoke, ok, fail, info \(got "done"\)/,
    ],
    ["a bad f", JSON.stringify({ ...e(1, 0, "ok", "read", "k"), f: "delete" }), /line 2: "f" must be one of/],
    [
      "a numeric key",
      JSON.stringify({ ...e(1, 0, "ok", "read", "k"), key: 7 }),
      /line 2: "key" must be a string \(got 7\)/,
    ],
    [
      "a missing time",
      JSON.stringify({ process: 0, type: "ok", f: "read", key: "k" }),
      /line 2: "time" must be a number \(got nothing\)/,
    ],
    [
      "a fractional process",
      JSON.stringify({ ...e(1, 0, "ok", "read", "k"), process: 1.5 }),
      /line 2: "process" must be an integer/,
    ],
    [
      "a cas without a pair",
      JSON.stringify(e(1, 0, "invoke", "cas", "k", "a")),
      /line 2: a cas "value" must be \[expect, new\]/,
    ],
    [
      "a write without a value",
      JSON.stringify({ process: 0, type: "invoke", f: "write", key: "k", time: 1 }),
      /line 2: a write invoke needs a "value"/,
    ],
    [
      "an ok read without a value",
      JSON.stringify({ process: 0, type: "ok", f: "read", key: "k", time: 1 }),
      /line 2: an ok read needs a "value" \(null when the key was absent\)/,
    ],
    [
      "a numeric read value",
      JSON.stringify(e(1, 0, "ok", "read", "k", 5 as never)),
      /line 2: a read "value" must be a string or null \(got 5\)/,
    ],
    [
      "current on a write",
      JSON.stringify(e(1, 0, "ok", "write", "k", "a", { current: "b" })),
      /line 2: "current" belongs only on a failed cas/,
    ],
  ])("rejects %s with the line number", (_, bad, message) => {
    const text = `${JSON.stringify(e(0, 9, "invoke", "read", "other"))}\n${bad}\n`;
    const err = errorOf(() => readHistory(text));
    expect(err.line).toBe(2);
    expect(err.message).toMatch(message);
  });

  it.each([
    [
      "a completion with nothing in flight",
      [e(1, 0, "ok", "read", "k")],
      /line 1: "ok" for process 0, which has no operation in flight/,
    ],
    [
      "a second invoke while one is open",
      [e(1, 0, "invoke", "read", "k"), e(2, 0, "invoke", "read", "k")],
      /line 2: process 0 invoked again before its invoke on line 1 completed/,
    ],
    [
      "a completion of another operation",
      [e(1, 0, "invoke", "read", "k"), e(2, 0, "ok", "write", "k", "a")],
      /line 2: completes a write of key "k" but line 1 invoked a read of key "k"/,
    ],
    [
      "a completion before its invoke",
      [e(5, 0, "invoke", "read", "k"), e(2, 0, "ok", "read", "k")],
      /line 2: completes before its invoke on line 1/,
    ],
  ])("rejects %s", (_, events, message) => {
    expect(() => pairEvents(events as HistoryEvent[])).toThrow(message);
  });
});

describe("pairing events into operations", () => {
  it("gives info and never-completed operations a return of +Infinity", () => {
    const ops = pairEvents([
      e(1, 0, "invoke", "write", "k", "a"),
      e(2, 0, "info", "write", "k"),
      e(3, 1, "invoke", "cas", "k", ["a", "b"]),
    ]);
    expect(ops).toEqual([
      { process: 0, f: "write", key: "k", input: "a", output: null, call: 1, return: Infinity },
      { process: 1, f: "cas", key: "k", input: ["a", "b"], output: null, call: 3, return: Infinity },
    ]);
  });

  it("drops operations that constrain nothing: failed reads and writes, reads of unknown outcome", () => {
    const ops = pairEvents([
      e(1, 0, "invoke", "read", "k"),
      e(2, 0, "fail", "read", "k"),
      e(3, 0, "invoke", "write", "k", "a"),
      e(4, 0, "fail", "write", "k", "a"),
      e(5, 0, "invoke", "read", "k"),
      e(6, 0, "info", "read", "k"),
      e(7, 0, "invoke", "read", "k"),
    ]);
    expect(ops).toEqual([]);
  });

  it("keeps a failed cas as an observation, with the current value when reported", () => {
    const ops = pairEvents([
      e(1, 0, "invoke", "cas", "k", ["a", "b"]),
      e(2, 0, "fail", "cas", "k", null, { current: "z" }),
    ]);
    expect(ops).toEqual([
      { process: 0, f: "cas", key: "k", input: ["a", "b"], output: false, current: "z", call: 1, return: 2 },
    ]);
  });

  it("takes a write's value from its invoke and a read's from its completion", () => {
    const ops = pairEvents([
      e(1, 0, "invoke", "write", "k", "a"),
      e(2, 0, "ok", "write", "k"),
      e(3, 0, "invoke", "read", "k"),
      e(4, 0, "ok", "read", "k", "a"),
    ]);
    expect(ops.map((op) => [op.input, op.output])).toEqual([
      ["a", null],
      [null, "a"],
    ]);
  });
});
