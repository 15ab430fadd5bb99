// Converts Porcupine's reference histories (test/check/testdata/porcupine, MIT) into raftlab's history events.
// Event times are line numbers: both formats are logs in real-time order.

import type { HistoryEvent, Value } from "../../../src/check/history.ts";

export const PORCUPINE_DIR = new URL("../testdata/porcupine/", import.meta.url);

const JEPSEN_LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*)$/;

/**
 * jepsen/etcd_NNN.log: one register, here key "x". `nil` is absent; `:info ... :timed-out` is an unknown
 * outcome; `:fail :cas` is a failed comparison; `:fail :read :timed-out` had no effect.
 */
export function convertJepsenLog(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = JEPSEN_LINE.exec(line);
    if (m === null) throw new Error(`jepsen log line ${i + 1} not understood: ${line}`);
    const [, proc, type, f, raw] = m as unknown as [string, string, HistoryEvent["type"], HistoryEvent["f"], string];
    const event: HistoryEvent = { process: Number(proc), type, f, key: "x", value: null, time: i };
    const value = jepsenValue(raw);
    if (value !== undefined) event.value = value;
    events.push(event);
  });
  return events;
}

function jepsenValue(raw: string): HistoryEvent["value"] | undefined {
  if (raw === "nil") return null;
  if (/^\d+$/.test(raw)) return raw;
  const pair = /^\[(\d+) (\d+)\]$/.exec(raw);
  if (pair !== null) return [pair[1]!, pair[2]!];
  if (raw.startsWith(":")) return undefined; // a keyword such as :timed-out carries no value
  throw new Error(`jepsen value not understood: ${raw}`);
}

const KV_LINE = /^\{:process (\d+), :type :(invoke|ok), :f :(get|put|append), :key "(.*)", :value (nil|"(.*)")\}$/;
const KV_OP = { get: "read", put: "write", append: "append" } as const;

/**
 * kv/cNN-{ok,bad}.txt: string keys with get/put/append. Porcupine's model starts each key at "" and has
 * no delete, so a get of "" is our read of an absent key (no put in these files writes "").
 */
export function convertKvLog(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = KV_LINE.exec(line);
    if (m === null) throw new Error(`kv log line ${i + 1} not understood: ${line}`);
    const [, proc, type, f, key, rawValue, str] = m as unknown as [
      string,
      string,
      "invoke" | "ok",
      keyof typeof KV_OP,
      string,
      string,
      string?,
    ];
    let value: Value = rawValue === "nil" ? null : str!;
    if (f === "get" && value === "") value = null;
    if (f === "put" && value === "") throw new Error(`kv log line ${i + 1}: a put of "" has no raftlab equivalent`);
    events.push({ process: Number(proc), type, f: KV_OP[f], key, value, time: i });
  });
  return events;
}

/** Events as raftlab's JSON Lines text. */
export function toJsonLines(events: readonly HistoryEvent[]): string {
  return `${events.map((e) => JSON.stringify(e)).join("\n")}\n`;
}
