// Leadership transfer (thesis §3.10): the leader stops taking proposals, brings the target up to
// date, sends it TimeoutNow, and the target wins at once, past the other voters' leader lease; a
// target that does not take over within an election timeout leaves the leader leading again.

import { describe, expect, it } from "vitest";
import { makeMessage } from "../../src/core/message.ts";
import { CAMPAIGN_TRANSFER, MessageType } from "../../src/core/types.ts";
import { Cluster } from "./support/cluster.ts";

/** Three nodes, node 1 leading with CheckQuorum and PreVote on (the node's defaults). */
function threeWithLeader(): Cluster {
  const c = new Cluster();
  c.addNodes(3);
  c.campaign(1);
  c.stabilize();
  expect(c.get(1).node.status().role).toBe("leader");
  return c;
}

const sent = (c: Cluster, type: MessageType) => c.net.filter((m) => m.type === type);

describe("thesis §3.10 leadership transfer", () => {
  it("to an up-to-date follower: TimeoutNow at once, and the target wins in the next term without pre-vote", () => {
    const c = threeWithLeader();
    expect(c.get(1).node.transferLeader(2)).toBe("started");
    c.processReady(1);
    expect(sent(c, MessageType.TimeoutNow).map((m) => m.to)).toEqual([2]);
    c.deliver();
    c.processReady(2);
    // Straight to candidate in term 2: a pre-vote round would be refused by node 3's lease.
    expect(c.get(2).node.status()).toMatchObject({ role: "candidate", term: 2 });
    expect(sent(c, MessageType.PreVote)).toEqual([]);
    c.stabilize();
    for (const id of [1, 2, 3]) expect(c.get(id).node.status()).toMatchObject({ term: 2, leader: 2 });
  });

  it("a voter in its leader's lease ignores an ordinary candidate, but not one the leader sent", () => {
    const c = threeWithLeader();
    const vote = (ctx: number) =>
      makeMessage({ type: MessageType.Vote, from: 2, to: 3, term: 2, index: 1, logTerm: 1, ctx });
    c.get(3).node.step(vote(0));
    expect(c.get(3).node.status()).toMatchObject({ term: 1, vote: 1, leader: 1 });
    expect(c.get(3).node.hasReady()).toBe(false);
    c.get(3).node.step(vote(CAMPAIGN_TRANSFER));
    expect(c.get(3).node.status()).toMatchObject({ term: 2, vote: 2 });
    c.processReady(3);
    c.persist(3);
    expect(c.net.filter((m) => m.type === MessageType.VoteResp).map((m) => [m.to, m.reject])).toEqual([[2, false]]);
  });

  it("to a lagging follower: appends first, TimeoutNow only once it has the whole log", () => {
    const c = threeWithLeader();
    c.isolate(3);
    c.propose(1, ["a", "b", "c"]);
    c.stabilize([1, 2]);
    c.heal(3);
    expect(c.get(1).node.transferLeader(3)).toBe("started");
    c.processReady(1);
    expect(sent(c, MessageType.TimeoutNow)).toEqual([]);
    expect(sent(c, MessageType.App).some((m) => m.to === 3 && m.entries.length > 0)).toBe(true);
    c.stabilize();
    expect(c.get(3).node.status()).toMatchObject({ role: "leader", term: 2 });
    expect(c.get(3).applied).toEqual(["", "a", "b", "c", ""]);
  });

  it("refuses proposals while it hands over, and takes them again once an unreachable target's time is up", () => {
    const c = threeWithLeader();
    c.isolate(3);
    expect(c.get(1).node.transferLeader(3)).toBe("started");
    expect(c.propose(1, ["x"])).toEqual(["rejected: transferring"]);
    const ticks = c.get(1).cfg.electionTicks;
    c.tick(1, ticks - 1);
    c.stabilize([1, 2]);
    expect(c.get(1).node.status().leadTransferee).toBe(3);
    c.tick(1);
    expect(c.get(1).node.status()).toMatchObject({ role: "leader", leadTransferee: 0 });
    expect(c.propose(1, ["x"])).toEqual(["ok index=2 term=1"]);
  });

  it("says why it cannot start: not the leader, itself, not a voter", () => {
    const c = threeWithLeader();
    expect(c.get(2).node.transferLeader(3)).toBe("not_leader");
    expect(c.get(1).node.transferLeader(1)).toBe("self");
    expect(c.get(1).node.transferLeader(9)).toBe("not_voter");
  });

  it("a new request replaces the one under way", () => {
    const c = threeWithLeader();
    c.isolate(3);
    expect(c.get(1).node.transferLeader(3)).toBe("started");
    expect(c.get(1).node.transferLeader(2)).toBe("started");
    expect(c.get(1).node.status().leadTransferee).toBe(2);
    c.stabilize([1, 2]);
    expect(c.get(2).node.status().role).toBe("leader");
  });

  it("a stale TimeoutNow from a deposed leader's term changes nothing", () => {
    const c = threeWithLeader();
    expect(c.get(1).node.transferLeader(2)).toBe("started");
    c.stabilize();
    expect(c.get(2).node.status()).toMatchObject({ role: "leader", term: 2 });
    const before = c.get(3).node.status();
    c.get(3).node.step(makeMessage({ type: MessageType.TimeoutNow, from: 1, to: 3, term: 1 }));
    expect(c.get(3).node.status()).toEqual(before);
    expect(c.get(3).node.hasReady()).toBe(false);
  });
});
