// Switching a running driver's flags: the switch waits for a persist or an apply in flight, the new
// policy then governs batching, applying and the core's replication, and a cluster whose nodes
// switch at random moments under writes loses nothing and stays consistent.

import { describe, expect, it } from "vitest";
import { ConfigError, configFromFlags } from "../../src/core/config.ts";
import { allCombos, type Flags, formatFlags, parseFlags } from "../../src/core/flags.ts";
import { Inflights } from "../../src/core/inflights.ts";
import { RawNode } from "../../src/core/raw-node.ts";
import { seededRng } from "../../src/core/rng.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import type { ProposalOutcome } from "../../src/node/driver.ts";
import { MemoryStore } from "../../src/storage/memory-store.ts";
import { HandCluster } from "./support/hand-cluster.ts";

/** What `setFlags` answered (undefined until it does), canonically spelled. */
function switchFlags(c: HandCluster, id: number, flags: string): { inForce?: string } {
  const answer: { inForce?: string } = {};
  c.driver(id).setFlags(parseFlags(flags), (f) => {
    answer.inForce = f === null ? "stopped" : formatFlags(f);
  });
  return answer;
}

const codes = (outcomes: Map<string, ProposalOutcome | null>): string[] =>
  [...outcomes.values()].map((o) => (o === null ? "pending" : o.ok ? "ok" : o.code));

describe("RaftDriver.setFlags", () => {
  it("switches at once when nothing is in flight", () => {
    const c = new HandCluster("none", 3);
    c.elect(1);
    expect(switchFlags(c, 1, "batch+pipeline")).toEqual({ inForce: "batch+pipeline" });
    expect(formatFlags(c.driver(1).currentFlags())).toBe("batch+pipeline");
  });

  it("waits for the write+fsync in flight", () => {
    const c = new HandCluster("none", 3);
    c.elect(1);
    const outcomes = new Map<string, ProposalOutcome | null>();
    c.holdSyncs = true;
    c.put(1, "a", outcomes);
    expect(c.heldSyncs.length).toBeGreaterThan(0);
    const answer = switchFlags(c, 1, "all");
    c.settle();
    expect(answer).toEqual({});
    expect(formatFlags(c.driver(1).currentFlags())).toBe("none");
    c.release();
    c.settle();
    expect(answer).toEqual({ inForce: formatFlags(parseFlags("all")) });
    expect(codes(outcomes)).toEqual(["ok"]);
  });

  it("waits for the apply batch in flight, then applies inline", () => {
    const c = new HandCluster("async-apply", 3);
    c.elect(1);
    const outcomes = new Map<string, ProposalOutcome | null>();
    c.holdApplies = true;
    c.put(1, "a", outcomes);
    expect(c.heldApplies.length).toBeGreaterThan(0);
    const answer = switchFlags(c, 1, "none");
    c.settle();
    expect(answer).toEqual({});
    c.release();
    c.settle();
    expect(answer).toEqual({ inForce: "none" });
    const asyncBefore = c.asyncApplies.get(1);
    c.put(1, "b", outcomes);
    expect(codes(outcomes)).toEqual(["ok", "ok"]);
    expect(c.asyncApplies.get(1)).toBe(asyncBefore);
  });

  it("holds new writes while a switch waits, and the last of two requests wins", () => {
    const c = new HandCluster("none", 3);
    c.elect(1);
    const outcomes = new Map<string, ProposalOutcome | null>();
    c.holdSyncs = true;
    c.put(1, "a", outcomes);
    const first = switchFlags(c, 1, "batch");
    const second = switchFlags(c, 1, "pipeline");
    const held = c.heldSyncs.length;
    c.put(1, "b", outcomes);
    expect(c.heldSyncs.length).toBe(held); // b's write waits for the switch, not for a' fsync
    c.release();
    c.settle();
    expect([first, second]).toEqual([{ inForce: "pipeline" }, { inForce: "pipeline" }]);
    expect(codes(outcomes)).toEqual(["ok", "ok"]);
  });

  it("tells a waiting request when the driver stops first", () => {
    const c = new HandCluster("none", 3);
    c.elect(1);
    c.holdSyncs = true;
    c.put(1, "a", new Map());
    const answer = switchFlags(c, 1, "all");
    c.driver(1).stop();
    expect(answer).toEqual({ inForce: "stopped" });
  });

  it("puts the new batch policy in force in the core", () => {
    const c = new HandCluster("none", 3);
    c.elect(1);
    let largest = 0;
    c.drop = (m: Message) => {
      if (m.type === MessageType.App && m.from === 1) largest = Math.max(largest, m.entries.length);
      return false;
    };
    const outcomes = new Map<string, ProposalOutcome | null>();
    const burst = (prefix: string): void => {
      largest = 0;
      for (let i = 0; i < 8; i++) c.propose(1, `${prefix}${i}`, outcomes);
      c.settle();
    };
    burst("off");
    expect(largest).toBe(1);
    expect(switchFlags(c, 1, "batch")).toEqual({ inForce: "batch" });
    burst("on");
    expect(largest).toBe(8);
    expect(codes(outcomes).every((code) => code === "ok")).toBe(true);
  });

  it("keeps every write and one state when nodes switch at random moments", () => {
    const seed = Number(process.env.RAFTLAB_TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`driver flag switches: seed ${seed} (RAFTLAB_TEST_SEED=${seed} replays it)`);
    const rng = seededRng(seed);
    const combos = allCombos();
    const c = new HandCluster("all", 3);
    c.elect(1);
    const outcomes = new Map<string, ProposalOutcome | null>();
    let switches = 0;
    for (let i = 0; i < 300; i++) {
      c.propose(1, `k${i}`, outcomes);
      if (rng.next() < 0.2) {
        const flags: Flags = combos[rng.int(0, combos.length)]!;
        c.driver(rng.int(1, 4)).setFlags(flags, () => switches++);
      }
      // Run a random part of the queue, so switches land with persists and applies in flight.
      for (let n = rng.int(0, 6); n > 0 && c.step(); n--);
    }
    c.settle();
    expect(switches).toBeGreaterThan(20);
    expect(codes(outcomes).filter((code) => code !== "ok")).toEqual([]);
    const applied = [1, 2, 3].map((id) => c.stateMachines.get(id)!.appliedIndex);
    expect(new Set(applied).size, `applied ${applied}`).toBe(1);
    for (let i = 0; i < 300; i++) {
      for (const id of [1, 2, 3])
        expect(c.stateMachines.get(id)!.get(`k${i}`)).toEqual(new TextEncoder().encode(`k${i}`));
    }
  });
});

describe("RawNode.reconfigure", () => {
  const node = (): RawNode => new RawNode(configFromFlags(1, [1, 2, 3], parseFlags("all")), new MemoryStore(() => {}));

  it("takes another replication policy", () => {
    expect(() => node().reconfigure(configFromFlags(1, [1, 2, 3], parseFlags("none")))).not.toThrow();
  });

  it("refuses to change anything else, naming the field", () => {
    const other = configFromFlags(1, [1, 2, 3], parseFlags("none"), { electionTicks: 20 });
    expect(() => node().reconfigure(other)).toThrow(ConfigError);
    expect(() => node().reconfigure(other)).toThrow(/electionTicks: cannot change at run time/);
    expect(() => node().reconfigure(configFromFlags(1, [1, 2], parseFlags("all")))).toThrow(/voters/);
  });
});

describe("Inflights.resized", () => {
  it("keeps what is in flight: a shrunk window stays full until acknowledgements bring it under", () => {
    const w = new Inflights(4, 0);
    for (const i of [10, 20, 30, 40]) w.add(i, 1);
    const one = w.resized(1, 0);
    expect([one.count, one.bytes, one.full()]).toEqual([4, 4, true]);
    one.freeLE(30);
    expect([one.count, one.full()]).toEqual([1, true]);
    one.freeLE(40);
    expect(one.full()).toBe(false);
    one.add(50, 1);
    expect(one.full()).toBe(true);
    const wide = one.resized(3, 0);
    wide.add(60, 1);
    wide.add(70, 1);
    expect([wide.count, wide.full()]).toEqual([3, true]);
    wide.freeLE(60);
    expect(wide.count).toBe(1);
  });
});
