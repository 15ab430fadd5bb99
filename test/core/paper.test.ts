// Tests named after the sections of the Raft paper (Ongaro & Ousterhout 2014) and thesis (Ongaro
// 2014) whose rules they check, in the style of etcd-io/raft's raft_paper_test.go.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configFromFlags } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { encodeConfState, initialConf } from "../../src/core/membership.ts";
import { makeMessage } from "../../src/core/message.ts";
import { RawNode } from "../../src/core/raw-node.ts";
import { type Entry, EntryType, type Message, MessageType } from "../../src/core/types.ts";
import { Cluster } from "./support/cluster.ts";
import { MemLog } from "./support/mem-log.ts";

const ent = (index: number, term: number): Entry => ({ index, term, data: new Uint8Array(0) });
const NO_PREVOTE = { preVote: false, checkQuorum: false };

/** Gives node `id` a durable log and term, then restarts it on them. */
function seed(c: Cluster, id: number, ents: Entry[], term: number, commit: number): void {
  const n = c.get(id);
  n.log.append(ents);
  n.log.setHardState({ term, vote: 0, commit });
  c.crash(id);
  while (n.node.hasReady()) c.processReady(id);
}

function electLeader(c: Cluster, id: number): void {
  c.campaign(id);
  c.stabilize();
  expect(c.get(id).node.status().role).toBe("leader");
}

describe("§5.2 leader election", () => {
  it("a follower campaigns after a randomized timeout in [electionTicks, 2*electionTicks)", () => {
    const timeouts = new Set<number>();
    for (let s = 1; s <= 20; s++) {
      const log = new MemLog();
      const node = new RawNode(configFromFlags(1, [1, 2, 3], parseFlags("none"), { seed: s, ...NO_PREVOTE }), log);
      let ticks = 0;
      while (!node.hasReady()) {
        node.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
      expect(node.status()).toMatchObject({ role: "candidate", term: 1, vote: 1 });
      timeouts.add(ticks);
    }
    expect(timeouts.size).toBeGreaterThan(3);
  });

  it("a candidate wins with a majority and appends the no-op of its term", () => {
    const c = new Cluster();
    c.addNodes(5, { overrides: NO_PREVOTE });
    c.isolate(4);
    c.isolate(5);
    electLeader(c, 1);
    const s = c.get(1).node.status();
    expect(s.term).toBe(1);
    expect(c.get(2).log.ents).toEqual([ent(1, 1)]);
    expect(s.commit).toBe(1);
  });

  it("a candidate without a majority does not win", () => {
    const c = new Cluster();
    c.addNodes(5, { overrides: NO_PREVOTE });
    c.isolate(3);
    c.isolate(4);
    c.isolate(5);
    c.campaign(1);
    c.stabilize();
    expect(c.get(1).node.status().role).toBe("candidate");
  });

  it("each node grants at most one vote per term", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    c.campaign(1);
    c.campaign(2);
    c.processReady(1);
    c.processReady(2);
    c.persist(1);
    c.persist(2);
    c.stabilize();
    const leaders = [1, 2, 3].filter((id) => c.get(id).node.status().role === "leader");
    expect(leaders).toHaveLength(1);
  });
});

describe("§5.3 log replication", () => {
  it("Log Matching: after replication every log equals the leader's", () => {
    const c = new Cluster();
    c.addNodes(3, { flags: "batch+pipeline", overrides: NO_PREVOTE });
    electLeader(c, 1);
    for (let i = 0; i < 5; i++) c.propose(1, [`v${i}`, `w${i}`]);
    c.stabilize();
    const leaderLog = c.get(1).log.ents;
    expect(leaderLog).toHaveLength(11);
    for (const id of [2, 3]) expect(c.get(id).log.ents).toEqual(leaderLog);
    for (const id of [1, 2, 3]) expect(c.get(id).node.status().commit).toBe(11);
  });

  it("a follower refuses entries whose predecessor it does not have", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    seed(c, 2, [ent(1, 1)], 1, 0);
    const n = c.get(2).node;
    const app = makeMessage({
      type: MessageType.App,
      from: 1,
      to: 2,
      term: 1,
      logTerm: 1,
      index: 5,
      entries: [ent(6, 1)],
    });
    n.step(app);
    const rd = n.ready();
    const resp = [...rd.messages, ...rd.persistedMessages].find((m) => m.type === MessageType.AppResp)!;
    expect(resp).toMatchObject({ reject: true, index: 5, rejectHint: 1, hintTerm: 1 });
    expect(rd.entries).toEqual([]);
  });
});

describe("§5.4.1 election restriction", () => {
  it("a voter denies its vote to a candidate whose log is less up-to-date", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    seed(c, 2, [ent(1, 1), ent(2, 2)], 2, 1);
    seed(c, 3, [ent(1, 1), ent(2, 2)], 2, 1);
    seed(c, 1, [ent(1, 1)], 2, 1);
    c.campaign(1);
    c.stabilize();
    expect(c.get(1).node.status().role).not.toBe("leader");
    // The up-to-date node can win.
    c.campaign(2);
    c.stabilize();
    expect(c.get(2).node.status().role).toBe("leader");
  });
});

describe("§5.4.2 committing entries from previous terms (Figure 8)", () => {
  it("a previous-term entry on a majority is not committed until an entry of the current term is", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    seed(c, 1, [ent(1, 1), ent(2, 1)], 1, 1);
    seed(c, 2, [ent(1, 1)], 1, 1);
    seed(c, 3, [ent(1, 1)], 1, 1);
    c.campaign(1);
    // Election only: the votes flow, the leader's appends are held back.
    c.processReady(1);
    c.persist(1);
    c.deliver();
    for (const id of [2, 3]) {
      c.processReady(id);
      c.persist(id);
    }
    c.deliver();
    expect(c.get(1).node.status().role).toBe("leader");
    c.processReady(1);
    c.persist(1); // the leader's no-op (3) is durable on the leader
    c.deliver({ to: 2 }); // App(prev 2/1): 2 lacks index 2 and rejects
    c.deliver({ to: 3, drop: true });
    c.processReady(2);
    c.persist(2);
    c.deliver();
    c.processReady(1); // App(prev 1/1, [2/1]) to 2
    c.persist(1);
    c.deliver({ to: 2 });
    c.processReady(2);
    c.persist(2);
    c.deliver(); // 2 acknowledges index 2: on a majority {1, 2}
    c.processReady(1);
    c.persist(1);
    c.deliver({ to: 2, drop: true }); // but the no-op does not reach 2
    expect(c.get(1).node.status().progress![2]!.match).toBe(2);
    expect(c.get(1).node.status().commit).toBe(1);
    // A heartbeat round recovers the lost append; the no-op commits, and index 2 with it.
    c.tick(1);
    c.stabilize();
    expect(c.get(1).node.status().commit).toBe(3);
  });
});

describe("thesis §6.4 ReadIndex", () => {
  it("a read is released at the commit index it arrived at, only after a majority echoes its round", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    electLeader(c, 1);
    const leader = c.get(1).node;
    expect(c.get(2).node.readIndex(1)).toBe(false);
    expect(leader.readIndex(42)).toBe(true);
    const rd = leader.ready();
    leader.advance(rd);
    expect(rd.readStates).toEqual([]);
    const hb = rd.messages.filter((m) => m.type === MessageType.Heartbeat);
    expect(hb.map((m) => m.ctx)).toEqual([1, 1]);
    c.net.push(...rd.messages);
    c.deliver({ to: 3, drop: true });
    c.deliver({ to: 2 });
    c.processReady(2);
    c.deliver();
    const rd2 = leader.ready();
    expect(rd2.readStates).toEqual([{ ctx: 42, index: 1 }]);
  });

  it("a single-node leader serves reads at once", () => {
    const c = new Cluster();
    c.addNodes(1);
    c.campaign(1);
    c.stabilize();
    c.get(1).node.readIndex(5);
    expect(c.get(1).node.ready().readStates).toEqual([{ ctx: 5, index: 1 }]);
  });
});

describe("thesis §9.6 PreVote", () => {
  it("a partitioned node does not raise its term, and does not disrupt the leader when it returns", () => {
    const c = new Cluster();
    c.addNodes(3);
    c.campaign(1);
    c.stabilize();
    c.isolate(3);
    for (let i = 0; i < 5; i++) {
      c.campaign(3);
      c.stabilize([3]);
    }
    expect(c.get(3).node.status().term).toBe(1);
    c.heal();
    c.deliver();
    c.tick(1);
    c.stabilize();
    expect(c.get(1).node.status()).toMatchObject({ role: "leader", term: 1 });
    expect(c.get(3).node.status()).toMatchObject({ role: "follower", term: 1, leader: 1 });
  });

  it("without PreVote the same node comes back with a higher term and deposes the leader", () => {
    const c = new Cluster();
    c.addNodes(3, { overrides: NO_PREVOTE });
    electLeader(c, 1);
    c.isolate(3);
    c.campaign(3);
    c.stabilize([3]);
    c.heal();
    c.deliver({ from: 3 });
    expect(c.get(1).node.status().role).toBe("follower");
  });
});

describe("CheckQuorum", () => {
  it("a leader that hears from no majority for an election timeout steps down", () => {
    const c = new Cluster();
    c.addNodes(3);
    c.campaign(1);
    c.stabilize();
    c.isolate(1);
    c.tick(1, 20);
    expect(c.get(1).node.status().role).toBe("follower");
  });
});

describe("thesis §10.2.1 parallel append", () => {
  function proposeAndAck(flags: string): { commitBeforeLeaderPersist: number; stable: number } {
    const c = new Cluster();
    c.addNodes(3, { flags, overrides: NO_PREVOTE });
    electLeader(c, 1);
    c.propose(1, ["x"]);
    c.processReady(1);
    c.deliver();
    for (const id of [2, 3]) {
      c.processReady(id);
      c.persist(id);
    }
    c.deliver();
    c.processReady(1);
    const s = c.get(1).node.status();
    return { commitBeforeLeaderPersist: s.commit, stable: s.stableIndex };
  }

  it("on: the entry commits on the followers' acks while the leader's own write is pending", () => {
    expect(proposeAndAck("parallel-append")).toEqual({ commitBeforeLeaderPersist: 2, stable: 1 });
  });

  it("off: nothing is sent, so nothing commits, before the leader's write is durable", () => {
    expect(proposeAndAck("none")).toEqual({ commitBeforeLeaderPersist: 1, stable: 1 });
  });

  it("the leader counts itself only once durable: alone it commits only on its own persist", () => {
    const c = new Cluster();
    c.addNodes(3, { flags: "parallel-append", overrides: NO_PREVOTE });
    electLeader(c, 1);
    c.isolate(3);
    c.propose(1, ["x"]);
    c.processReady(1);
    c.deliver(); // 2 and 3 unreachable
    c.isolate(2);
    c.persist(1);
    expect(c.get(1).node.status().commit).toBe(1); // {1} is no majority
  });
});

describe("robustness", () => {
  it("step() never throws on arbitrary peer messages, and the node keeps working", () => {
    const msg = fc.record({
      type: fc.integer({ min: -1, max: 12 }),
      from: fc.integer({ min: -1, max: 4 }),
      to: fc.constantFrom(1, 1, 1, 2),
      term: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
      logTerm: fc.integer({ min: -2, max: 5 }),
      index: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constant(1e15)),
      entries: fc.array(
        fc
          .record({
            index: fc.integer({ min: 0, max: 14 }),
            term: fc.integer({ min: 0, max: 5 }),
            data: fc.oneof(fc.uint8Array({ maxLength: 3 }), fc.constant(encodeConfState(initialConf([1, 2])))),
            type: fc.constantFrom(undefined, EntryType.ConfChange, 7),
          })
          .map(({ type, ...e }) => (type === undefined ? e : { ...e, type })),
        { maxLength: 3 },
      ),
      commit: fc.integer({ min: -1, max: 20 }),
      reject: fc.boolean(),
      rejectHint: fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constant(1e15)),
      hintTerm: fc.integer({ min: 0, max: 5 }),
      ctx: fc.integer({ min: 0, max: 3 }),
      snapshot: fc.option(
        fc.record({
          meta: fc.record({
            index: fc.integer({ min: 0, max: 30 }),
            term: fc.integer({ min: 0, max: 5 }),
            conf: fc.constantFrom(
              initialConf([1, 2, 3]),
              { voters: [2, 3], learners: [1], addresses: { 1: "a" } },
              { voters: [1, 1], learners: [], addresses: {} },
              null,
            ),
          }),
          data: fc.uint8Array({ maxLength: 2 }),
        }),
      ),
    }) as unknown as fc.Arbitrary<Message>;
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 30 }), fc.boolean(), (msgs, asLeader) => {
        const c = new Cluster();
        c.addNodes(3);
        if (asLeader) {
          c.campaign(1);
          c.stabilize();
        }
        const n = c.get(1);
        for (const m of msgs) {
          n.node.step(m);
          while (n.node.hasReady()) c.processReady(1);
          c.persist(1);
          c.net = [];
        }
        const s = n.node.status();
        expect(s.commit).toBeLessThanOrEqual(s.lastIndex);
      }),
      { numRuns: 300, seed: 20240601 },
    );
  });
});
