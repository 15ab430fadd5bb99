// The window knob reaches the core: with pipeline on, maxInflight 1 is stop-and-wait (the next
// AppendEntries leaves only once the previous one is acknowledged), and a larger window lets that
// many leave at once. Each AppendEntries reports its window fill in Ready.appendWindows.

import { describe, expect, it } from "vitest";
import { MessageType } from "../../src/core/types.ts";
import { Cluster } from "./support/cluster.ts";

/** A 3-node cluster with node 1 leading and idle; then 3 proposals, each its own entry and Ready. */
function threeProposals(maxInflight: number): { c: Cluster; windows: number[] } {
  const c = new Cluster();
  c.addNodes(3, { flags: "pipeline+parallel-append", overrides: { maxInflight } });
  c.campaign(1);
  c.stabilize();
  expect(c.get(1).node.status().role).toBe("leader");
  const windows: number[] = [];
  for (const v of ["a", "b", "c"]) {
    c.propose(1, [v]);
    const n = c.get(1).node;
    const rd = n.ready();
    n.advance(rd);
    windows.push(...rd.appendWindows);
    c.net.push(...rd.messages);
  }
  return { c, windows };
}

const appsTo = (c: Cluster, to: number): number =>
  c.net.filter((m) => m.type === MessageType.App && m.to === to && m.entries.length > 0).length;

describe("the maxInflight knob", () => {
  it("1 with pipeline on behaves as stop-and-wait: one AppendEntries per follower until it is acknowledged", () => {
    const { c, windows } = threeProposals(1);
    expect(appsTo(c, 2)).toBe(1);
    expect(appsTo(c, 3)).toBe(1);
    expect(windows).toEqual([1, 1]);
    // The acknowledgement opens the window for the next one.
    c.deliver({ to: 2 });
    c.processReady(2);
    c.persist(2);
    c.deliver({ from: 2, to: 1 });
    const rd = c.get(1).node.ready();
    expect(rd.messages.filter((m) => m.type === MessageType.App && m.to === 2 && m.entries.length > 0)).toHaveLength(1);
    expect(rd.appendWindows).toEqual([1]);
  });

  it("3 lets all three leave at once, each reporting the window's fill", () => {
    const { c, windows } = threeProposals(3);
    expect(appsTo(c, 2)).toBe(3);
    expect(appsTo(c, 3)).toBe(3);
    expect(windows).toEqual([1, 1, 2, 2, 3, 3]);
  });
});
