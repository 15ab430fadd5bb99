// The driver's proposal bookkeeping, driven by hand: three real drivers (core + memory store + KV
// state machine) whose every callback, fsync and message waits in one queue that the test runs, so
// who leads, which messages arrive and which entries commit is decided step by step.

import { describe, expect, it } from "vitest";
import { configFromFlags } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { RawNode } from "../../src/core/raw-node.ts";
import { type Message, MessageType, type NodeId } from "../../src/core/types.ts";
import { inlineApplier } from "../../src/node/appliers.ts";
import { type ProposalOutcome, RaftDriver } from "../../src/node/driver.ts";
import { type ApplyResult, encodeCommand } from "../../src/node/kv-command.ts";
import { KvStateMachine } from "../../src/node/kv-state-machine.ts";
import { MemoryStore } from "../../src/storage/memory-store.ts";

class HandCluster {
  private readonly tasks: (() => void)[] = [];
  private net: Message[] = [];
  /** Nodes whose messages (both ways) are dropped. */
  readonly cut = new Set<NodeId>();
  /** Drops any other message it returns true for. */
  drop: (m: Message) => boolean = () => false;
  readonly drivers = new Map<NodeId, RaftDriver<ApplyResult>>();

  constructor(flags: string, nodes: number) {
    const schedule = (fn: () => void): void => void this.tasks.push(fn);
    const VOTERS = Array.from({ length: nodes }, (_, i) => i + 1);
    for (const id of VOTERS) {
      const store = new MemoryStore(schedule);
      const sm = new KvStateMachine();
      const cfg = configFromFlags(id, VOTERS, parseFlags(flags), { preVote: false, checkQuorum: false, seed: id });
      this.drivers.set(
        id,
        new RaftDriver({
          core: new RawNode(cfg, store),
          store,
          flags: parseFlags(flags),
          stateMachine: sm,
          voters: VOTERS,
          send: (msgs) => void this.net.push(...msgs),
          // An apply loop that runs from the same queue (not setImmediate): the test stays synchronous.
          asyncApplier: { apply: (entries, done) => schedule(() => inlineApplier(sm).apply(entries, done)) },
          schedule,
          onFatal: (err) => {
            throw err;
          },
        }),
      );
    }
  }

  driver(id: NodeId): RaftDriver<ApplyResult> {
    return this.drivers.get(id)!;
  }

  /** Runs queued work and delivers messages (dropping those of cut nodes) until nothing moves. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      if (this.tasks.length > 0) {
        this.tasks.shift()!();
        continue;
      }
      if (this.net.length === 0) return;
      const batch = this.net;
      this.net = [];
      for (const m of batch) {
        if (!this.cut.has(m.from) && !this.cut.has(m.to) && !this.drop(m)) this.driver(m.to).step([m]);
      }
    }
    throw new Error("the cluster did not settle");
  }

  /** Ticks `id` until it campaigns and lets the election run; again while it has not won. */
  elect(id: NodeId): void {
    const d = this.driver(id);
    for (let attempt = 0; attempt < 5 && d.status().role !== "leader"; attempt++) {
      const term = d.status().term;
      for (let i = 0; i < 40 && d.status().term === term; i++) d.tick();
      this.settle();
    }
    expect(d.status().role).toBe("leader");
  }

  put(id: NodeId, key: string, outcomes: Map<string, ProposalOutcome | null>): void {
    outcomes.set(key, null);
    this.driver(id).propose(encodeCommand({ op: "put", key, value: new TextEncoder().encode(key) }), (o) =>
      outcomes.set(key, o),
    );
    this.settle();
  }
}

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
