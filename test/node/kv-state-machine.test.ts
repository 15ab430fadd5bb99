import { describe, expect, it } from "vitest";
import { decodeCommand, encodeCommand, type KvCommand } from "../../src/node/kv-command.ts";
import { KvStateMachine } from "../../src/node/kv-state-machine.ts";

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const s = (v: Uint8Array | null): string | null => (v === null ? null : new TextDecoder().decode(v));
let index = 0;
const entry = (cmd: KvCommand) => ({ index: ++index, term: 1, data: encodeCommand(cmd) });

describe("kv commands", () => {
  it("round-trip through the binary encoding, including empty and absent values", () => {
    const cmds: KvCommand[] = [
      { op: "put", key: "k", value: b("v") },
      { op: "put", key: "ключ", value: new Uint8Array(0) },
      { op: "del", key: "k" },
      { op: "cas", key: "k", expect: null, value: b("new") },
      { op: "cas", key: "k", expect: b(""), value: b("x") },
      { op: "cas", key: "k", expect: b("old"), value: new Uint8Array([0, 255, 7]) },
    ];
    for (const cmd of cmds) expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it("rejects a key longer than the encoding can carry", () => {
    expect(() => encodeCommand({ op: "del", key: "x".repeat(70_000) })).toThrow(/limit/);
  });
});

describe("KvStateMachine", () => {
  it("applies put, del and cas with the register semantics the checker assumes", () => {
    const sm = new KvStateMachine();
    expect(sm.apply(entry({ op: "cas", key: "a", expect: null, value: b("1") }))).toEqual({ ok: true });
    expect(s(sm.get("a"))).toBe("1");
    const miss = sm.apply(entry({ op: "cas", key: "a", expect: b("0"), value: b("2") }));
    expect(miss.ok).toBe(false);
    expect(!miss.ok && s(miss.current)).toBe("1");
    expect(sm.apply(entry({ op: "cas", key: "a", expect: b("1"), value: b("2") }))).toEqual({ ok: true });
    sm.apply(entry({ op: "put", key: "b", value: b("x") }));
    sm.apply(entry({ op: "del", key: "a" }));
    expect(sm.get("a")).toBeNull();
    expect(s(sm.get("b"))).toBe("x");
    expect(sm.appliedIndex).toBe(index);
  });

  it("counts a no-op entry as applied without touching the data", () => {
    const sm = new KvStateMachine();
    sm.apply({ index: 7, term: 2, data: new Uint8Array(0) });
    expect(sm.appliedIndex).toBe(7);
    expect(sm.size).toBe(0);
  });

  it("restores exactly what it snapshotted", () => {
    const sm = new KvStateMachine();
    sm.apply(entry({ op: "put", key: "a", value: b("1") }));
    sm.apply(entry({ op: "put", key: "", value: new Uint8Array([0, 1, 2]) }));
    sm.apply(entry({ op: "put", key: "c", value: new Uint8Array(0) }));
    const copy = new KvStateMachine();
    copy.restore(sm.snapshot(), 42);
    expect(copy.appliedIndex).toBe(42);
    expect(copy.size).toBe(3);
    expect(s(copy.get("a"))).toBe("1");
    expect([...(copy.get("") ?? [])]).toEqual([0, 1, 2]);
    expect(copy.get("c")?.length).toBe(0);
  });

  it("keeps the snapshot format: big-endian lengths, UTF-8 keys, read back from a view at any offset", () => {
    const sm = new KvStateMachine();
    sm.apply(entry({ op: "put", key: "a", value: new Uint8Array([1]) }));
    expect([...sm.snapshot()]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 97, 0, 0, 0, 1, 1]);
    sm.apply(entry({ op: "put", key: "ключ-🔑", value: b("v") }));
    const snap = sm.snapshot();
    const padded = new Uint8Array(snap.length + 3);
    padded.set(snap, 3);
    const copy = new KvStateMachine();
    copy.restore(padded.subarray(3), 5);
    expect(copy.size).toBe(2);
    expect(s(copy.get("ключ-🔑"))).toBe("v");
    expect([...(copy.get("a") ?? [])]).toEqual([1]);
  });
});

describe("KvStateMachine values", () => {
  it("copies a value out of a payload that is a view into a larger buffer (a received frame)", () => {
    const sm = new KvStateMachine();
    const data = encodeCommand({ op: "put", key: "k", value: b("abc") });
    const frame = new Uint8Array(data.length + 10);
    frame.set(data, 5);
    sm.apply({ index: ++index, term: 1, data: frame.subarray(5, 5 + data.length) });
    frame.fill(0);
    expect(s(sm.get("k"))).toBe("abc");
    expect(sm.get("k")!.buffer).not.toBe(frame.buffer);
  });

  it("keeps a value as a view of a payload that owns its buffer (a command the leader encoded)", () => {
    const sm = new KvStateMachine();
    const data = encodeCommand({ op: "put", key: "k", value: b("abc") });
    sm.apply({ index: ++index, term: 1, data });
    expect(s(sm.get("k"))).toBe("abc");
    expect(sm.get("k")!.buffer).toBe(data.buffer);
  });
});
