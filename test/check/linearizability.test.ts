import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../src/check/history.ts";
import { checkEvents } from "../../src/check/linearizability.ts";
import { syntheticHistory } from "../../src/check/synthetic-history.ts";
import { e } from "./support/events.ts";

const verdict = (events: HistoryEvent[]): string => checkEvents(events).verdict;

describe("linearizability of hand-made histories", () => {
  it("a read concurrent with a write may see the old or the new value, and a later read the new one", () => {
    const base = [
      e(0, 0, "invoke", "write", "k", "a"),
      e(25, 1, "invoke", "read", "k"),
      e(30, 2, "invoke", "read", "k"),
    ];
    expect(
      verdict([
        ...base,
        e(60, 2, "ok", "read", "k", null),
        e(75, 1, "ok", "read", "k", "a"),
        e(100, 0, "ok", "write", "k"),
      ]),
    ).toBe("linearizable");
    // Once a read has returned the new value, a read that starts afterwards cannot see the old one.
    expect(
      verdict([
        e(0, 0, "invoke", "write", "k", "a"),
        e(10, 1, "invoke", "read", "k"),
        e(30, 1, "ok", "read", "k", "a"),
        e(40, 2, "invoke", "read", "k"),
        e(90, 2, "ok", "read", "k", null),
        e(100, 0, "ok", "write", "k"),
      ]),
    ).toBe("not linearizable");
  });

  it("concurrent writes may take effect in either order (the same operations, different states)", () => {
    const writes = [
      e(1, 0, "invoke", "write", "k", "a"),
      e(1, 1, "invoke", "write", "k", "b"),
      e(5, 0, "ok", "write", "k"),
      e(5, 1, "ok", "write", "k"),
    ];
    for (const last of ["a", "b"]) {
      expect(verdict([...writes, e(6, 2, "invoke", "read", "k"), e(7, 2, "ok", "read", "k", last)]), last).toBe(
        "linearizable",
      );
    }
  });

  it("finds a stale read after a completed write and names its key", () => {
    const result = checkEvents([
      e(1, 0, "invoke", "write", "k", "a"),
      e(2, 0, "ok", "write", "k"),
      e(3, 0, "invoke", "write", "k", "b"),
      e(4, 0, "ok", "write", "k"),
      e(5, 1, "invoke", "read", "k"),
      e(6, 1, "ok", "read", "k", "a"),
    ]);
    expect(result).toMatchObject({ verdict: "not linearizable", failingKey: "k", partitions: 1, ops: 3 });
  });

  it("treats a completion and an invoke at the same instant as concurrent", () => {
    expect(
      verdict([
        e(1, 0, "invoke", "write", "k", "a"),
        e(5, 1, "invoke", "read", "k"),
        e(5, 0, "ok", "write", "k"),
        e(6, 1, "ok", "read", "k", null),
      ]),
    ).toBe("linearizable");
  });

  it("lets an info write take effect at any time after its call, or never", () => {
    const lost = [e(1, 0, "invoke", "write", "k", "a"), e(2, 0, "info", "write", "k")];
    expect(verdict([...lost, e(10, 1, "invoke", "read", "k"), e(11, 1, "ok", "read", "k", "a")])).toBe("linearizable");
    expect(verdict([...lost, e(10, 1, "invoke", "read", "k"), e(11, 1, "ok", "read", "k", null)])).toBe("linearizable");
    // ... but once it is seen, it stays: absent, then "a", then absent again is impossible.
    const flicker = [
      e(10, 1, "invoke", "read", "k"),
      e(11, 1, "ok", "read", "k", null),
      e(12, 1, "invoke", "read", "k"),
      e(13, 1, "ok", "read", "k", "a"),
      e(14, 1, "invoke", "read", "k"),
      e(15, 1, "ok", "read", "k", null),
    ];
    expect(verdict([...lost, ...flicker])).toBe("not linearizable");
    // An info write cannot take effect before it was invoked.
    expect(
      verdict([
        e(1, 1, "invoke", "read", "k"),
        e(2, 1, "ok", "read", "k", "a"),
        e(3, 0, "invoke", "write", "k", "a"),
        e(4, 0, "info", "write", "k"),
      ]),
    ).toBe("not linearizable");
  });

  it("a process that never completes counts as info", () => {
    expect(
      verdict([e(1, 0, "invoke", "write", "k", "a"), e(5, 1, "invoke", "read", "k"), e(6, 1, "ok", "read", "k", "a")]),
    ).toBe("linearizable");
  });

  it("allows only one of two concurrent cas with the same expected value to succeed", () => {
    const race = [e(1, 0, "invoke", "cas", "k", [null, "a"]), e(1, 1, "invoke", "cas", "k", [null, "b"])];
    expect(verdict([...race, e(5, 0, "ok", "cas", "k"), e(6, 1, "fail", "cas", "k", null, { current: "a" })])).toBe(
      "linearizable",
    );
    expect(verdict([...race, e(5, 0, "ok", "cas", "k"), e(6, 1, "ok", "cas", "k")])).toBe("not linearizable");
    // The loser reporting the wrong winner is caught too.
    expect(verdict([...race, e(5, 0, "ok", "cas", "k"), e(6, 1, "fail", "cas", "k", null, { current: "b" })])).toBe(
      "not linearizable",
    );
  });

  it("a cas that failed although its expected value certainly held is a violation", () => {
    const history = [
      e(1, 0, "invoke", "write", "k", "a"),
      e(2, 0, "ok", "write", "k"),
      e(3, 0, "invoke", "cas", "k", ["a", "b"]),
    ];
    expect(verdict([...history, e(4, 0, "fail", "cas", "k")])).toBe("not linearizable");
    expect(
      verdict([...history, e(4, 0, "ok", "cas", "k"), e(5, 1, "invoke", "read", "k"), e(6, 1, "ok", "read", "k", "b")]),
    ).toBe("linearizable");
  });

  it("an info cas swaps only if its comparison held when it took effect", () => {
    const history = [
      e(1, 0, "invoke", "cas", "k", ["a", "b"]),
      e(2, 0, "info", "cas", "k"),
      e(3, 1, "invoke", "read", "k"),
    ];
    expect(verdict([...history, e(4, 1, "ok", "read", "k", "b")])).toBe("not linearizable"); // "a" was never there
    expect(verdict([...history, e(4, 1, "ok", "read", "k", null)])).toBe("linearizable");
  });

  it("keys are independent: each is checked against its own value", () => {
    expect(
      verdict([
        e(1, 0, "invoke", "write", "a", "1"),
        e(2, 0, "ok", "write", "a"),
        e(3, 0, "invoke", "read", "b"),
        e(4, 0, "ok", "read", "b", null),
      ]),
    ).toBe("linearizable");
  });
});

/** A stale read planted at the end of `events` on `key`: write "fresh", then read the value before it. */
function plantStaleRead(events: HistoryEvent[], key: string): HistoryEvent[] {
  const end = events.at(-1)!.time;
  return [
    ...events,
    e(end + 1, 1000, "invoke", "write", key, "fresh"),
    e(end + 2, 1000, "ok", "write", key),
    e(end + 3, 1000, "invoke", "read", key),
    e(end + 4, 1000, "ok", "read", key, "stale"),
  ];
}

describe("search", () => {
  it("finds a violation planted in one key of a large concurrent history", () => {
    const history = syntheticHistory({ seed: 7, processes: 8, ops: 3000, keys: 6 });
    expect(checkEvents(history).verdict).toBe("linearizable");
    const result = checkEvents(plantStaleRead(history, "k3"));
    expect(result).toMatchObject({ verdict: "not linearizable", failingKey: "k3", partitions: 6 });
  });

  it("reports the failing key with the fewest operations and stops there", () => {
    const big = Array.from({ length: 20 }, (_, i) => [
      e(2 * i, 0, "invoke", "write", "big", `${i}`),
      e(2 * i + 1, 0, "ok", "write", "big"),
    ]).flat();
    const small = [e(100, 1, "invoke", "write", "small", "x"), e(101, 1, "ok", "write", "small")];
    const history = plantStaleRead(plantStaleRead([...big, ...small], "big"), "small");
    expect(checkEvents(history)).toMatchObject({
      verdict: "not linearizable",
      failingKey: "small",
      partitions: 2,
      checkedPartitions: 1,
    });
  });

  it("answers unknown, never a guess, when a key's search exhausts the budget", () => {
    const concurrent = ["a", "b", "c", "d"].flatMap((v, p) => [e(1, p, "invoke", "write", "k", v)]);
    const history = [...concurrent, ...[0, 1, 2, 3].map((p) => e(10, p, "ok", "write", "k"))];
    expect(checkEvents(history, { budget: 4 }).verdict).toBe("linearizable");
    expect(checkEvents(history, { budget: 3 })).toMatchObject({ verdict: "unknown", undecidedKeys: ["k"], budget: 3 });
  });

  it("still finds a violation in a larger key after a smaller key ran out of budget", () => {
    const undecided = ["a", "b", "c", "d"].flatMap((v, p) => [
      e(1, p, "invoke", "write", "u", v),
      e(10, p, "ok", "write", "u"),
    ]);
    // Five operations (more than "u"), the violation early: found after two states.
    const failing = [
      ...plantStaleRead([e(20, 9, "invoke", "write", "v", "stale"), e(21, 9, "ok", "write", "v")], "v"),
      ...[0, 1].flatMap((i) => [
        e(40 + 2 * i, 9, "invoke", "write", "v", `${i}`),
        e(41 + 2 * i, 9, "ok", "write", "v"),
      ]),
    ];
    expect(checkEvents([...undecided, ...failing], { budget: 3 })).toMatchObject({
      verdict: "not linearizable",
      failingKey: "v",
      undecidedKeys: ["u"],
    });
  });

  it("rejects a budget that is not a positive integer", () => {
    expect(() => checkEvents([], { budget: 0 })).toThrow(/budget must be a positive integer/);
  });

  it("property: histories linearizable by construction pass, and a read of a never-written value fails on its key", () => {
    const params = fc.record({
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      processes: fc.integer({ min: 1, max: 5 }),
      ops: fc.integer({ min: 1, max: 150 }),
      keys: fc.integer({ min: 1, max: 4 }),
      infoRate: fc.constantFrom(0, 0.05, 0.1),
    });
    fc.assert(
      fc.property(params, fc.nat(), (p, pick) => {
        const history = syntheticHistory(p);
        expect(checkEvents(history).verdict).toBe("linearizable");
        const reads = history.flatMap((ev, i) => (ev.f === "read" && ev.type === "ok" ? [i] : []));
        if (reads.length === 0) return;
        const victim = reads[pick % reads.length]!;
        const corrupted = history.map((ev, i) => (i === victim ? { ...ev, value: "never-written" } : ev));
        expect(checkEvents(corrupted)).toMatchObject({ verdict: "not linearizable", failingKey: history[victim]!.key });
      }),
      { numRuns: 60 },
    );
  });
});
