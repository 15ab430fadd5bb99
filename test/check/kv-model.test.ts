import { describe, expect, it } from "vitest";
import type { Operation } from "../../src/check/history.ts";
import { ILLEGAL, INITIAL_KV_STATE, stepKv } from "../../src/check/kv-model.ts";

const at = { process: 0, key: "k", call: 0, return: 1 };
const read = (output: string | null): Operation => ({ ...at, f: "read", input: null, output });
const write = (input: string | null): Operation => ({ ...at, f: "write", input, output: null });
const append = (input: string): Operation => ({ ...at, f: "append", input, output: null });
const cas = (expect: string | null, next: string | null, output: boolean | null, current?: string | null): Operation =>
  current === undefined
    ? { ...at, f: "cas", input: [expect, next], output }
    : { ...at, f: "cas", input: [expect, next], output, current };

describe("key-value model", () => {
  it("starts absent: a read of null (404) is legal, a read of a value is not", () => {
    expect(INITIAL_KV_STATE).toBeNull();
    expect(stepKv(null, read(null))).toBeNull();
    expect(stepKv(null, read("a"))).toBe(ILLEGAL);
  });

  it("a read must see exactly the current value and leaves it unchanged", () => {
    expect(stepKv("a", read("a"))).toBe("a");
    expect(stepKv("a", read("b"))).toBe(ILLEGAL);
    expect(stepKv("a", read(null))).toBe(ILLEGAL);
  });

  it("a write sets the value; a write of null deletes", () => {
    expect(stepKv(null, write("a"))).toBe("a");
    expect(stepKv("a", write("b"))).toBe("b");
    expect(stepKv("a", write(null))).toBeNull();
  });

  it("a successful cas requires state === expect, with null meaning absent", () => {
    expect(stepKv("a", cas("a", "b", true))).toBe("b");
    expect(stepKv("x", cas("a", "b", true))).toBe(ILLEGAL);
    expect(stepKv(null, cas(null, "b", true))).toBe("b");
    expect(stepKv("", cas(null, "b", true))).toBe(ILLEGAL);
  });

  it("a failed cas has no effect and requires state !== expect (and === current when reported)", () => {
    expect(stepKv("x", cas("a", "b", false))).toBe("x");
    expect(stepKv("a", cas("a", "b", false))).toBe(ILLEGAL);
    expect(stepKv("x", cas("a", "b", false, "x"))).toBe("x");
    expect(stepKv("y", cas("a", "b", false, "x"))).toBe(ILLEGAL);
    expect(stepKv(null, cas("a", "b", false, null))).toBeNull();
  });

  it("a cas of unknown outcome is always legal and swaps exactly when the comparison holds", () => {
    expect(stepKv("a", cas("a", "b", null))).toBe("b");
    expect(stepKv("x", cas("a", "b", null))).toBe("x");
  });

  it("append concatenates, treating absent as empty", () => {
    expect(stepKv(null, append("x"))).toBe("x");
    expect(stepKv("x", append("y"))).toBe("xy");
  });
});
