// Each invariant must catch a planted violation: the checks are fed fabricated node behaviour.

import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../src/check/history.ts";
import type { Entry } from "../../src/core/types.ts";
import {
  checkAcknowledgedWrites,
  type DurableProbe,
  Invariants,
  InvariantViolation,
} from "../../src/sim/invariants.ts";

const utf8 = new TextEncoder();
const e = (index: number, term: number, data = `e${index}`): Entry => ({ index, term, data: utf8.encode(data) });
const log = (...terms: number[]): Entry[] => terms.map((t, i) => e(i + 1, t));

function violation(fn: () => void): InvariantViolation {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvariantViolation) return err;
    throw err;
  }
  throw new Error("no violation detected");
}

/** By default every node holds every entry durably (the commit quorum check always passes). */
const setup = (holds: DurableProbe = () => true) => new Invariants(() => 42_000_000, holds);

describe("invariants accept a correct run", () => {
  it("replication, commit, a new leader with the committed log, snapshots and a crash", () => {
    const inv = setup();
    for (const n of [1, 2, 3]) inv.onAppend(n, log(1, 1, 1));
    inv.onStatus(1, { role: "leader", term: 1, commit: 3, voters: [1, 2, 3] });
    for (const n of [1, 2, 3]) for (const x of log(1, 1, 1)) inv.onApply(n, x);
    inv.onAppend(3, [e(4, 1, "uncommitted")]);
    inv.onAppend(3, [e(4, 2, "new")]); // an uncommitted entry may be replaced
    inv.onStatus(2, { role: "leader", term: 2, commit: 3, voters: [1, 2, 3] });
    inv.onCompact(1, 3);
    inv.onRecover(2, 0, 0, log(1, 1));
    inv.onRestore(2, 0);
    inv.onApply(2, e(1, 1));
    inv.onSnapshot(2, 3, 1);
    inv.onRestore(2, 3);
    expect(inv.checked).toBeGreaterThan(5);
  });
});

describe("each invariant detects a planted violation", () => {
  it("election safety: two leaders in one term", () => {
    const inv = setup();
    inv.onStatus(1, { role: "leader", term: 2, commit: 0, voters: [1, 2, 3] });
    inv.onStatus(3, { role: "follower", term: 2, commit: 0, voters: [1, 2, 3] });
    const v = violation(() => inv.onStatus(3, { role: "leader", term: 2, commit: 0, voters: [1, 2, 3] }));
    expect(v.invariant).toBe("election safety");
    expect(v.node).toBe(3);
    expect(v.message).toMatch(/nodes 1 and 3 are both leaders of term 2/);
    expect(v.message).toMatch(/t=42\.000ms/);
  });

  it("log matching: same index and term, different entries", () => {
    const inv = setup();
    inv.onAppend(1, [e(1, 1, "a"), e(2, 1, "b")]);
    const v = violation(() => inv.onAppend(2, [e(1, 1, "x"), e(2, 1, "b")]));
    expect(v.invariant).toBe("log matching");
    expect([v.node, v.index]).toEqual([2, 1]);
  });

  it("log matching: same entry at an index, but different prefixes before it", () => {
    const inv = setup();
    inv.onAppend(1, [e(1, 1, "a"), e(2, 2, "b")]);
    inv.onAppend(2, [e(1, 2, "z")]);
    const v = violation(() => inv.onAppend(2, [e(2, 2, "b")]));
    expect(v.invariant).toBe("log matching");
    expect(v.index).toBe(2);
  });

  it("log matching: an append that leaves a gap", () => {
    const inv = setup();
    inv.onAppend(1, log(1));
    expect(violation(() => inv.onAppend(1, [e(3, 1)])).invariant).toBe("log matching");
  });

  it("leader completeness: a new leader lacks a committed entry", () => {
    const inv = setup();
    inv.onAppend(1, log(1, 1, 1));
    inv.onAppend(2, log(1, 1));
    inv.onStatus(1, { role: "leader", term: 1, commit: 3, voters: [1, 2, 3] });
    const v = violation(() => inv.onStatus(2, { role: "leader", term: 2, commit: 2, voters: [1, 2, 3] }));
    expect(v.invariant).toBe("leader completeness");
    expect([v.node, v.index]).toEqual([2, 3]);
  });

  it("commit quorum: a leader commits an entry a majority of its voters does not hold", () => {
    // Nodes 1 and 4 hold entry 2 of term 1; node 4 is a learner, so it does not count.
    const held = new Set([1, 4]);
    const inv = setup((node, index) => index <= 1 || held.has(node));
    inv.onAppend(1, log(1, 1));
    inv.onStatus(1, { role: "leader", term: 1, commit: 1, voters: [1, 2, 3] });
    const v = violation(() => inv.onStatus(1, { role: "leader", term: 1, commit: 2, voters: [1, 2, 3] }));
    expect(v.invariant).toBe("commit quorum");
    expect([v.node, v.index]).toEqual([1, 2]);
    expect(v.message).toMatch(/only nodes 1 of voters 1,2,3 hold it durably/);
    // With node 4 a voter of four, two of four are still no majority; with node 2 too, three are.
    const four = setup((node, index) => index <= 1 || held.has(node));
    four.onStatus(1, { role: "leader", term: 1, commit: 1, voters: [1, 2, 3, 4] });
    expect(
      violation(() => four.onStatus(1, { role: "leader", term: 1, commit: 2, voters: [1, 2, 3, 4] })).invariant,
    ).toBe("commit quorum");
    held.add(2);
    const three = setup((node, index) => index <= 1 || held.has(node));
    three.onStatus(1, { role: "leader", term: 1, commit: 1, voters: [1, 2, 3, 4] });
    three.onStatus(1, { role: "leader", term: 1, commit: 2, voters: [1, 2, 3, 4] });
  });

  it("election safety: a leader that is no voter of its configuration", () => {
    const inv = setup();
    const v = violation(() => inv.onStatus(4, { role: "leader", term: 3, commit: 0, voters: [1, 2, 3] }));
    expect(v.invariant).toBe("election safety");
    expect(v.message).toMatch(/no voter of its configuration/);
  });

  it("leader completeness: a committed entry is overwritten in a log", () => {
    const inv = setup();
    inv.onAppend(1, log(1, 1));
    inv.onApply(1, e(1, 1));
    inv.onApply(1, e(2, 1));
    const v = violation(() => inv.onAppend(1, [e(2, 3, "other")]));
    expect(v.invariant).toBe("leader completeness");
    expect(v.index).toBe(2);
  });

  it("state machine safety: two nodes apply different entries at one index", () => {
    const inv = setup();
    inv.onApply(1, e(1, 1, "a"));
    const v = violation(() => inv.onApply(2, e(1, 1, "b")));
    expect(v.invariant).toBe("state machine safety");
    expect([v.node, v.index]).toEqual([2, 1]);
  });

  it("state machine safety: an entry applied out of order", () => {
    const inv = setup();
    inv.onApply(1, e(1, 1));
    expect(violation(() => inv.onApply(1, e(3, 1))).invariant).toBe("state machine safety");
  });

  it("state machine safety: a snapshot restored beyond anything applied", () => {
    const inv = setup();
    inv.onApply(1, e(1, 1));
    expect(violation(() => inv.onRestore(2, 5)).invariant).toBe("state machine safety");
  });
});

describe("no acknowledged write lost", () => {
  const w = (process: number, type: HistoryEvent["type"], value: string, time: number): HistoryEvent => ({
    process,
    type,
    f: "write",
    key: "k",
    value,
    time,
  });
  const history: HistoryEvent[] = [
    w(0, "invoke", "a", 1),
    w(0, "ok", "a", 2),
    w(1, "invoke", "b", 3),
    w(1, "ok", "b", 4),
  ];

  it("passes when the final value is the last acknowledged write", () => {
    expect(() => checkAcknowledgedWrites(history, () => "b", 1, 0)).not.toThrow();
  });

  it("passes when an unacknowledged write that may have landed later overwrote it", () => {
    const h = [...history, w(2, "invoke", "c", 3), w(2, "info", "c", 9)];
    expect(() => checkAcknowledgedWrites(h, () => "c", 1, 0)).not.toThrow();
  });

  it("fails when an acknowledged write vanished (final value older than it)", () => {
    const v = violation(() => checkAcknowledgedWrites(history, () => "a", 1, 0));
    expect(v.invariant).toBe("no acknowledged write lost");
    expect(v.message).toMatch(/"b" was lost/);
  });

  it("fails when the key is gone or holds a value nobody wrote", () => {
    expect(violation(() => checkAcknowledgedWrites(history, () => null, 1, 0)).invariant).toBe(
      "no acknowledged write lost",
    );
    expect(violation(() => checkAcknowledgedWrites(history, () => "zzz", 1, 0)).invariant).toBe(
      "no acknowledged write lost",
    );
  });
});
