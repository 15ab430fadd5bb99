// The driver's configuration failpoints (src/node/failpoints.ts): each fires once per write and once
// per apply batch holding a configuration entry, on the leader that proposed it and on the
// followers, and never for normal entries, whose own points (after-fsync, before-apply, ...) fire.

import { describe, expect, it } from "vitest";
import type { NodeId } from "../../src/core/types.ts";
import type { DriverFailpoint, MembershipOutcome, ProposalOutcome } from "../../src/node/driver.ts";
import { HandCluster } from "./support/hand-cluster.ts";

const CONF_POINTS: readonly DriverFailpoint[] = [
  "after-conf-apply",
  "after-conf-persist",
  "before-conf-apply",
  "before-conf-persist",
];

describe("RaftDriver configuration failpoints", () => {
  it.each(["none", "batch", "all"])("[%s] fire on configuration entries only", (flags) => {
    const hits = new Map<NodeId, DriverFailpoint[]>([1, 2, 3].map((id) => [id, []]));
    const c = new HandCluster(flags, 3, (id, name) => hits.get(id)!.push(name));
    const outcomes = new Map<string, ProposalOutcome | null>();
    // Node 4, the learner added below, does not run: its messages are dropped.
    c.drop = (m) => m.to === 4;
    /** The hits since the last call, per node. */
    const taken = (): Map<NodeId, DriverFailpoint[]> => new Map([...hits].map(([id, names]) => [id, names.splice(0)]));
    const conf = (names: readonly DriverFailpoint[]): DriverFailpoint[] =>
      names.filter((n) => CONF_POINTS.includes(n)).sort();

    c.elect(1);
    c.put(1, "a", outcomes);
    c.put(1, "b", outcomes);
    for (const [id, names] of taken()) {
      expect(names, `node ${id}: normal entries reach the write and apply points`).toContain("after-fsync");
      expect(names, `node ${id}`).toContain("before-apply");
      expect(conf(names), `node ${id}: no conf point for normal entries`).toEqual([]);
    }

    let changed: MembershipOutcome | null = null;
    c.driver(1).changeMembers({ op: "add-learner", id: 4, address: "" }, (o) => {
      changed = o;
    });
    c.settle();
    expect(changed).toMatchObject({ ok: true });
    for (const [id, names] of taken()) {
      expect(conf(names), `node ${id}: each conf point once for the one configuration entry`).toEqual(CONF_POINTS);
    }

    c.put(1, "c", outcomes);
    for (const [id, names] of taken()) expect(conf(names), `node ${id}, after the change`).toEqual([]);
    expect([...outcomes.values()].map((o) => o?.ok)).toEqual([true, true, true]);
  });
});
