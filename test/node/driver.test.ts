// The driver's proposal bookkeeping, driven by hand (support/hand-cluster.ts): who leads, which
// messages arrive and which entries commit is decided step by step.

import { describe, expect, it } from "vitest";
import { type Message, MessageType, type NodeId } from "../../src/core/types.ts";
import type { ProposalOutcome } from "../../src/node/driver.ts";
import { HandCluster } from "./support/hand-cluster.ts";

const codeOf = (o: ProposalOutcome | null | undefined): string =>
  o === null || o === undefined ? "pending" : o.ok ? "ok" : o.code;

describe("RaftDriver proposals", () => {
  it.each(["none", "batch", "all"])(
    "[%s] an older-term proposal whose index a newer leader reuses ends `lost`, not silently dropped",
    (flags) => {
      const c = new HandCluster(flags, 3);
      const outcomes = new Map<string, ProposalOutcome | null>();
      c.elect(1); // term 1: node 1 leads; its no-op is index 1
      const base = c.driver(1).status().lastIndex;

      // Node 1, cut off, appends p1..p3 at base+1..base+3 (term 1) that no follower receives.
      c.cut.add(1);
      for (const k of ["p1", "p2", "p3"]) c.put(1, k, outcomes);
      expect(c.driver(1).status().lastIndex).toBe(base + 3);

      // Node 2 leads term 2 and commits its no-op at base+1; node 1 rejoins and truncates p1..p3.
      c.elect(2);
      c.cut.delete(1);
      c.driver(2).tick();
      c.settle();
      expect(c.driver(1).status().lastIndex).toBe(base + 1);
      expect(codeOf(outcomes.get("p1"))).toBe("lost");

      // Node 1 leads term 3: its no-op takes base+2, and a new proposal q takes base+3, p3's index.
      c.elect(1);
      c.put(1, "q", outcomes);
      expect(codeOf(outcomes.get("q"))).toBe("ok");
      expect(codeOf(outcomes.get("p2"))).toBe("lost");
      // p3 was never committed (index base+3 committed with term 3): the client must hear so.
      expect(codeOf(outcomes.get("p3"))).toBe("lost");
    },
  );

  it.each(["none", "all"])(
    "[%s] an older-term proposal still commits through another node after a newer leader reused its index",
    (flags) => {
      const c = new HandCluster(flags, 5);
      const outcomes = new Map<string, ProposalOutcome | null>();
      const appendsFrom = (from: NodeId, to: readonly NodeId[]) => (m: Message) =>
        m.type === MessageType.App && m.from === from && to.includes(m.to);
      c.elect(1);
      const base = c.driver(1).status().lastIndex;

      // Term 1: node 1 appends p0..p2 at base+1..base+3 and reaches node 3 only (2 of 5: uncommitted).
      c.cut.add(2).add(4).add(5);
      for (const k of ["p0", "p1", "p2"]) c.put(1, k, outcomes);
      c.cut.clear();

      // Term 2: node 2 wins with nodes 4 and 5; its no-op at base+1 reaches node 1 alone, which
      // truncates p0..p2 from its own log (node 3 still holds them).
      c.cut.add(3);
      c.drop = appendsFrom(2, [4, 5]);
      c.elect(2);
      expect(c.driver(1).status().lastIndex).toBe(base + 1);

      // Term 3: node 1 leads again (no-op at base+2) and proposes q at base+3, p2's index; its
      // appends reach no one.
      c.drop = appendsFrom(1, [2, 3, 4, 5]);
      c.elect(1);
      c.put(1, "q", outcomes);
      expect(c.driver(1).status().lastIndex).toBe(base + 3);
      expect([...outcomes.values()].every((o) => o === null)).toBe(true);

      // Term 4: node 3 wins with nodes 4 and 5 and commits p0..p2 as term-1 entries everywhere.
      c.cut.clear();
      c.cut.add(1).add(2);
      c.drop = () => false;
      c.elect(3);
      c.cut.clear();
      c.driver(3).tick();
      c.settle();
      expect(Object.fromEntries([...outcomes].map(([k, o]) => [k, codeOf(o)]))).toEqual({
        p0: "ok",
        p1: "ok",
        p2: "ok",
        q: "lost",
      });
    },
  );
});
