// Membership changes: the configuration encoding, the single-server change rules, the
// configurations of a log (ConfLog), and what learners may and may not do in a running core.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyConfChange,
  type ConfChange,
  ConfDecodeError,
  ConfLog,
  checkConfChange,
  confEntry,
  decodeConfState,
  encodeConfState,
  initialConf,
} from "../../src/core/membership.ts";
import type { ConfState, Entry } from "../../src/core/types.ts";
import { arbConf } from "../transport/messages.ts";
import { Cluster } from "./support/cluster.ts";

const conf = (voters: number[], learners: number[] = [], addresses: Record<number, string> = {}): ConfState => ({
  voters,
  learners,
  addresses,
});

describe("configuration encoding", () => {
  it("round-trips any configuration (property)", () => {
    fc.assert(
      fc.property(arbConf, (c) => {
        expect(decodeConfState(encodeConfState(c))).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses anything but a whole, consistent configuration", () => {
    const good = encodeConfState(conf([1, 2], [3], { 3: "h3" }));
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => decodeConfState(good.subarray(0, cut)), `cut at ${cut}`).toThrow(ConfDecodeError);
    }
    expect(() => decodeConfState(Uint8Array.of(...good, 0))).toThrow(/left over/);
    expect(() => decodeConfState(encodeConfState(conf([1, 1])))).toThrow(ConfDecodeError);
    expect(() => decodeConfState(encodeConfState(conf([1, 2], [2])))).toThrow(ConfDecodeError);
    expect(() => decodeConfState(encodeConfState(conf([0])))).toThrow(ConfDecodeError);
    expect(() => decodeConfState(encodeConfState(conf([1], [], { 5: "x" })))).toThrow(/stray address/);
  });
});

describe("single-server changes", () => {
  const c = conf([1, 2, 3], [4], { 4: "h4" });
  const cases: [ConfChange, string | ConfState][] = [
    [{ op: "add-learner", id: 5, address: "h5" }, conf([1, 2, 3], [4, 5], { 4: "h4", 5: "h5" })],
    [{ op: "add-learner", id: 2 }, "node 2 is already a voter"],
    [{ op: "add-learner", id: 4 }, "node 4 is already a learner"],
    [{ op: "add-learner", id: 0 }, "node id must be a positive integer, got 0"],
    [{ op: "promote", id: 4 }, conf([1, 2, 3, 4], [], { 4: "h4" })],
    [{ op: "promote", id: 5 }, "node 5 is not a learner (add it as a learner first)"],
    [{ op: "promote", id: 1 }, "node 1 is already a voter"],
    [{ op: "remove", id: 2 }, conf([1, 3], [4], { 4: "h4" })],
    [{ op: "remove", id: 4 }, conf([1, 2, 3], [], {})],
    [{ op: "remove", id: 9 }, "node 9 is not a member"],
  ];
  it.each(cases)("%o → %o", (change, want) => {
    const refused = checkConfChange(c, change);
    if (typeof want === "string") expect(refused).toBe(want);
    else {
      expect(refused).toBeNull();
      expect(applyConfChange(c, change)).toEqual(want);
    }
  });

  it("never removes the last voter", () => {
    expect(checkConfChange(conf([7], [8]), { op: "remove", id: 7 })).toBe("node 7 is the last voter");
    expect(checkConfChange(conf([7], [8]), { op: "remove", id: 8 })).toBeNull();
  });
});

describe("ConfLog", () => {
  const normal = (index: number): Entry => ({ index, term: 1, data: new Uint8Array(1) });
  const a = conf([1, 2, 3], [4]);
  const b = conf([1, 2, 3, 4]);

  it("puts each configuration in force at its entry, and rolls it back when the entry is truncated", () => {
    const log = new ConfLog(initialConf([1, 2, 3]), 0);
    log.append([normal(1), confEntry(2, 1, a), normal(3), confEntry(4, 1, b)]);
    expect([log.latest(), log.latestIndex()]).toEqual([b, 4]);
    expect([log.at(1), log.at(2), log.at(3), log.at(4)]).toEqual([initialConf([1, 2, 3]), a, a, b]);
    log.append([normal(4)]); // a new leader's entry replaces the second change
    expect([log.latest(), log.latestIndex()]).toEqual([a, 2]);
    log.append([{ index: 2, term: 2, data: new Uint8Array(0) }]);
    expect([log.latest(), log.latestIndex()]).toEqual([initialConf([1, 2, 3]), 0]);
  });

  it("keeps what indexes at or after the applied one need, and restarts from a snapshot", () => {
    const log = new ConfLog(initialConf([1, 2, 3]), 0);
    log.append([confEntry(1, 1, a), confEntry(5, 1, b)]);
    log.compactTo(3);
    expect([log.at(3), log.latest()]).toEqual([a, b]);
    log.compactTo(5);
    expect([log.at(5), log.latestIndex()]).toEqual([b, 5]);
    log.restore(a, 9);
    expect([log.latest(), log.latestIndex(), log.at(12)]).toEqual([a, 9, a]);
  });
});

describe("learners and non-members in a running core", () => {
  /**
   * Three voters led by node 1, and nodes 4 and 5 added as learners and caught up: were learners
   * counted, the leader and the two learners would be a majority of the five members.
   */
  function withLearners(): Cluster {
    const c = new Cluster();
    c.addNodes(3);
    c.addNodes(2, { joining: true });
    c.campaign(1);
    c.stabilize();
    expect(c.changeConf(1, "add-learner", 4)).toEqual(["ok index=2 term=1"]);
    c.stabilize();
    expect(c.changeConf(1, "add-learner", 5)).toEqual(["ok index=3 term=1"]);
    c.stabilize();
    return c;
  }

  it("learners are sent appends and heartbeats, but never a vote request, and never campaign", () => {
    const c = withLearners();
    expect(c.get(5).node.status().commit).toBe(3);
    c.isolate(1);
    const out: string[] = [];
    for (let i = 0; i < 40; i++) {
      for (const id of [2, 3, 4, 5]) c.tick(id);
      out.push(...c.stabilize([2, 3, 4, 5]));
    }
    expect(out.filter((l) => /Vote term=\d+ last/.test(l)).length).toBeGreaterThan(0);
    expect(out.filter((l) => /(->[45]|[45]->)\S* (Pre)?Vote/.test(l))).toEqual([]);
    expect([2, 3].map((id) => c.get(id).node.status().role)).toContain("leader");
    expect(out.filter((l) => /^> [45] ready/.test(l)).length).toBeGreaterThan(0);
  });

  it("learners' heartbeat answers do not confirm a read: only the voters' do", () => {
    const c = withLearners();
    c.isolate(2);
    c.isolate(3);
    expect(c.readIndex(1, 7)).toEqual(["ok"]);
    const out = c.stabilize([1, 4, 5]);
    expect(out.some((l) => l.includes("HeartbeatResp"))).toBe(true);
    expect(out.some((l) => l.includes("read: ctx=7"))).toBe(false);
    c.heal();
    c.tick(1);
    const healed = c.stabilize();
    expect(healed.filter((l) => l.includes("read: ctx=7"))).toHaveLength(1);
  });

  it("CheckQuorum counts voters only: a leader hearing only from its learners steps down", () => {
    const c = withLearners();
    c.isolate(2);
    c.isolate(3);
    for (let i = 0; i < 2 * c.get(1).cfg.electionTicks; i++) {
      c.tick(1);
      c.stabilize([1, 4, 5]);
    }
    expect(c.get(1).node.status().role).toBe("follower");
  });

  it("a node of no configuration accepts a leader it has never heard of", () => {
    const c = new Cluster();
    c.addNodes(1);
    c.addNodes(1, { joining: true });
    c.campaign(1);
    c.stabilize();
    c.changeConf(1, "add-learner", 2);
    c.stabilize();
    c.propose(1, ["x"]);
    c.stabilize();
    expect(c.logOf(2)).toEqual([`2: [1/1 "", 1/2 conf(v=1 l=2), 1/3 "x"] applied=["","<conf>","x"]`]);
  });
});
