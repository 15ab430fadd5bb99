// How API outcomes become history events: ok / fail / info exactly as the checker reads them.

import { describe, expect, it } from "vitest";
import { requestFor } from "../../src/chaos/clients.ts";
import { classify, type HttpResult, historyOf, historyText, type OpRecord } from "../../src/chaos/recording.ts";
import { type OpName, pairEvents, type Value, validateEvent } from "../../src/check/history.ts";

const reply = (status: number, body = ""): HttpResult => ({ kind: "response", status, body });
const err503 = (code: string): HttpResult => reply(503, JSON.stringify({ error: "x", code }));

describe("classify", () => {
  const cases: [OpName, HttpResult, string, Partial<{ value: Value; current: Value }>][] = [
    ["write", reply(204), "ok", {}],
    ["read", reply(200, "v1"), "ok", { value: "v1" }],
    ["read", reply(404, `{"error":"not found"}`), "ok", { value: null }],
    ["cas", reply(200, `{"ok":true}`), "ok", {}],
    ["cas", reply(409, `{"ok":false,"current":"v7"}`), "failed", { current: "v7" }],
    ["cas", reply(409, `{"ok":false,"current":null}`), "failed", { current: null }],
    ["write", err503("no_leader"), "not-applied", {}],
    ["write", err503("overloaded"), "not-applied", {}],
    ["write", err503("lost"), "not-applied", {}],
    ["cas", err503("lost"), "not-applied", {}],
    ["write", err503("timeout"), "unknown", {}],
    ["cas", err503("unknown"), "unknown", {}],
    ["read", err503("timeout"), "unknown", {}],
    ["write", reply(307, `{"error":"not the leader"}`), "not-applied", {}],
    ["write", reply(413, `{"error":"too big"}`), "not-applied", {}],
    ["write", reply(500, `{"error":"boom"}`), "unknown", {}],
    ["write", { kind: "no-response", reason: "refused", detail: "ECONNREFUSED" }, "not-applied", {}],
    ["write", { kind: "no-response", reason: "timeout", detail: "client deadline passed" }, "unknown", {}],
    ["cas", { kind: "no-response", reason: "error", detail: "UND_ERR_SOCKET" }, "unknown", {}],
  ];
  for (const [f, r, completion, extra] of cases) {
    const label = r.kind === "response" ? `${r.status} ${r.body}` : r.reason;
    it(`${f} answered ${label} → ${completion}`, () => {
      const c = classify(f, r);
      expect(c.completion).toBe(completion);
      for (const [k, v] of Object.entries(extra)) expect(c[k as "value" | "current"]).toBe(v);
    });
  }
});

function rec(
  process: number,
  f: OpName,
  input: Value | [Value, Value],
  start: number,
  end: number,
  r: HttpResult,
): OpRecord {
  return { process, f, key: "k", input, start, end, result: classify(f, r), node: 1 };
}

describe("historyOf", () => {
  const records = [
    rec(0, "write", "a", 10, 20, reply(204)),
    rec(1, "read", null, 15, 25, reply(200, "a")),
    rec(2, "cas", ["a", "b"], 20, 30, reply(409, `{"ok":false,"current":"c"}`)),
    rec(3, "cas", [null, "d"], 21, 31, err503("no_leader")),
    rec(4, "write", "e", 22, 40, err503("timeout")),
    rec(0, "write", "f", 20, 35, err503("lost")),
    rec(5, "read", null, 5, 9, { kind: "no-response", reason: "refused", detail: "ECONNREFUSED" }),
  ];
  const events = historyOf(records);

  it("writes valid docs/DESIGN.md history events in time order, a completion before an invoke at the same instant", () => {
    events.forEach((e, i) => validateEvent(JSON.parse(JSON.stringify(e)), i + 1));
    expect(events.map((e) => e.time)).toEqual([...events.map((e) => e.time)].sort((a, b) => a - b));
    const at20 = events.filter((e) => e.time === 20).map((e) => `${e.process} ${e.type}`);
    expect(at20).toEqual(["0 ok", "2 invoke", "0 invoke"]);
    expect(historyText(events).trim().split("\n")).toHaveLength(events.length);
  });

  it("maps completions to ok / fail / info and leaves out a cas that was never proposed", () => {
    const completions = events.filter((e) => e.type !== "invoke").map((e) => `${e.process} ${e.f} ${e.type}`);
    expect(completions).toEqual([
      "5 read fail",
      "0 write ok",
      "1 read ok",
      "2 cas fail",
      "0 write fail",
      "4 write info",
    ]);
    expect(events.some((e) => e.process === 3)).toBe(false);
    expect(events.find((e) => e.process === 2 && e.type === "fail")!.current).toBe("c");
    expect(events.find((e) => e.process === 1 && e.type === "ok")!.value).toBe("a");
  });

  it("pairs into the operations the checker expects", () => {
    const ops = pairEvents(events);
    // The refused read and the lost write constrain nothing; the timed-out write may land any time later.
    expect(ops.map((o) => `${o.process} ${o.f} ${String(o.output)} ${o.return}`)).toEqual([
      "0 write null 20",
      "1 read a 25",
      "2 cas false 30",
      "4 write null Infinity",
    ]);
  });
});

describe("requestFor", () => {
  it("builds the API request of each operation", () => {
    expect(requestFor("read", "a b", null)).toEqual({ method: "GET", path: "/kv/a%20b" });
    expect(requestFor("write", "k", "v")).toEqual({ method: "PUT", path: "/kv/k", body: "v" });
    expect(requestFor("cas", "k", [null, "v"])).toEqual({
      method: "POST",
      path: "/cas/k",
      body: `{"expect":null,"value":"v"}`,
    });
  });
});
