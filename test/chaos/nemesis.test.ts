// The nemesis: its schedule is a pure function of the seed, every short run gets a kill and a partition,
// and played against a target it cuts and heals exactly the links and processes the fault names.

import { describe, expect, it } from "vitest";
import type { FaultTarget, PlannedFault } from "../../src/chaos/faults.ts";
import { Nemesis, planFaults } from "../../src/chaos/nemesis.ts";
import type { LinkChangeBody } from "../../src/node/api-types.ts";
import { waitUntil } from "../support/wait.ts";

const KILLS = ["kill-leader", "kill-node", "kill-all"];
const PARTITIONS = ["isolate-leader", "split", "one-way"];

describe("planFaults", () => {
  it("gives the same schedule for the same seed, and another for another seed", () => {
    for (const seed of [1, 42, 2 ** 31 - 2]) {
      const a = planFaults(seed, { nodes: 5, durationMs: 30_000 });
      expect(planFaults(seed, { nodes: 5, durationMs: 30_000 })).toEqual(a);
      expect(planFaults(seed + 1, { nodes: 5, durationMs: 30_000 })).not.toEqual(a);
    }
  });

  it("puts a kill and a partition in every 4-second run, with pauses on both sides of the election timeout", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const plan = planFaults(seed, { nodes: 3, durationMs: 4000 });
      const kinds = plan.map((f) => f.kind);
      expect(
        kinds.some((k) => KILLS.includes(k)),
        `seed ${seed}: ${kinds.join(",")}`,
      ).toBe(true);
      expect(
        kinds.some((k) => PARTITIONS.includes(k)),
        `seed ${seed}: ${kinds.join(",")}`,
      ).toBe(true);
      for (const f of plan) {
        expect(f.atMs).toBeLessThan(4000);
        expect(f.node).toBeGreaterThanOrEqual(1);
        expect(f.node).toBeLessThanOrEqual(3);
        // 150–300 ms is the election timeout: short pauses stay under it, long ones exceed it.
        if (f.kind === "pause-short") expect(f.forMs).toBeLessThan(150);
        if (f.kind === "pause-long" || f.kind === "pause-leader") expect(f.forMs).toBeGreaterThan(300);
        if (f.kind === "split") expect(f.minority!.length).toBe(1);
      }
    }
  });

  it("plans one lane alone as it plans it beside the other (a cluster on other hosts takes links only)", () => {
    for (const seed of [3, 77, 1234]) {
      const both = planFaults(seed, { nodes: 3, durationMs: 10_000 });
      const network = planFaults(seed, { nodes: 3, durationMs: 10_000, lanes: ["network"] });
      expect(network.length).toBeGreaterThan(0);
      expect(network).toEqual(both.filter((f) => f.lane === "network"));
    }
  });

  it("plans leadership hand-overs in a lane of their own, in every 4-second run", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const plan = planFaults(seed, { nodes: 3, durationMs: 4000 });
      const ops = plan.filter((f) => f.lane === "operations");
      expect(ops.length, `seed ${seed}`).toBeGreaterThan(0);
      for (const f of ops) expect(f.kind).toBe("transfer-leader");
      // The other lanes' plans are what they were without it.
      expect(plan.filter((f) => f.lane !== "operations")).toEqual(
        planFaults(seed, { nodes: 3, durationMs: 4000, lanes: ["process", "network"] }),
      );
    }
  });

  it("splits five nodes into a minority of two and a majority of three", () => {
    const splits = Array.from({ length: 50 }, (_, s) => planFaults(s, { nodes: 5, durationMs: 20_000 }))
      .flat()
      .filter((f) => f.kind === "split");
    expect(splits.length).toBeGreaterThan(0);
    for (const f of splits) expect(f.minority!.length).toBe(2);
  });
});

/** A target that records what the nemesis did to it. */
function fakeTarget(leader: number | null): FaultTarget & { calls: string[] } {
  const calls: string[] = [];
  return {
    ids: [1, 2, 3],
    calls,
    leader: async () => leader,
    kill: async (id) => void calls.push(`kill ${id}`),
    restart: (id) => void calls.push(`restart ${id}`),
    pause: (id) => void calls.push(`pause ${id}`),
    resume: (id) => void calls.push(`resume ${id}`),
    shape: async (id: number, change: LinkChangeBody) => {
      calls.push(`shape ${id} ${JSON.stringify(change)}`);
      return id !== 3 || change.partitioned !== false; // node 3 "is paused" when the heal comes
    },
    // Node 1 hands over to node 2; any other leader's hand-over fails.
    transferLeader: async (id: number) => {
      calls.push(`transfer from ${id}`);
      return id === 1 ? { leader: 2, ms: 12.5 } : { refused: "timed out" };
    },
  };
}

const clock = (): (() => number) => {
  const t0 = performance.now();
  return () => performance.now() - t0;
};

function fault(f: Partial<PlannedFault> & Pick<PlannedFault, "kind" | "lane">): PlannedFault {
  return { atMs: 0, forMs: 5, node: 1, ...f };
}

describe("Nemesis", () => {
  it("refuses a process fault for a target with network hands only, before doing anything", () => {
    const { kill: _k, restart: _r, pause: _p, resume: _s, ...links } = fakeTarget(1);
    const plan = [
      fault({ lane: "network", kind: "delay", delayMs: 5, jitterMs: 0 }),
      fault({ lane: "process", kind: "pause-short" }),
    ];
    expect(() => new Nemesis(links, plan, clock())).toThrow(
      "the plan has a pause-short fault, but this target takes network faults only",
    );
    expect(links.calls).toEqual([]);
  });

  it("isolates the current leader in both directions, heals it, and reports the change a node missed", async () => {
    const target = fakeTarget(2);
    const nemesis = new Nemesis(target, [fault({ lane: "network", kind: "isolate-leader", node: 3 })], clock());
    await nemesis.run();
    expect(target.calls).toEqual([
      `shape 2 {"to":[1,3],"partitioned":true}`,
      `shape 1 {"to":[2],"partitioned":true}`,
      `shape 3 {"to":[2],"partitioned":true}`,
      `shape 2 {"to":[1,3],"partitioned":false}`,
      `shape 1 {"to":[2],"partitioned":false}`,
      `shape 3 {"to":[2],"partitioned":false}`,
    ]);
    expect(nemesis.events).toHaveLength(1);
    expect(nemesis.events[0]).toMatchObject({
      kind: "isolate-leader",
      nodes: [2],
      missed: [`node 3: {"to":[2],"partitioned":false}`],
    });
    expect(nemesis.events[0]!.endMs).toBeGreaterThanOrEqual(nemesis.events[0]!.startMs);
  });

  it("cuts one direction only for a one-way fault, and kills the planned node when no leader is known", async () => {
    const target = fakeTarget(null);
    await new Nemesis(
      target,
      [
        fault({ lane: "network", kind: "one-way", node: 1, direction: "in" }),
        fault({ lane: "process", kind: "kill-leader", node: 3, atMs: 1 }),
      ],
      clock(),
    ).run();
    expect(target.calls.filter((c) => c.startsWith("shape"))).toEqual([
      `shape 2 {"to":[1],"partitioned":true}`,
      `shape 3 {"to":[1],"partitioned":true}`,
      `shape 2 {"to":[1],"partitioned":false}`,
      `shape 3 {"to":[1],"partitioned":false}`,
    ]);
    expect(target.calls.filter((c) => !c.startsWith("shape"))).toEqual(["kill 3", "restart 3"]);
  });

  it("cuts the power of every node and restarts them all, and pauses the current leader", async () => {
    const target = fakeTarget(3);
    await new Nemesis(
      target,
      [
        fault({ lane: "process", kind: "kill-all" }),
        fault({ lane: "process", kind: "pause-leader", node: 1, atMs: 1 }),
      ],
      clock(),
    ).run();
    expect(target.calls).toEqual([
      "kill 1",
      "kill 2",
      "kill 3",
      "restart 1",
      "restart 2",
      "restart 3",
      "pause 3",
      "resume 3",
    ]);
  });

  it("asks the current leader to hand over, and records who took over, or why not", async () => {
    const handed = fakeTarget(1);
    const nemesis = new Nemesis(handed, [fault({ lane: "operations", kind: "transfer-leader", node: 3 })], clock());
    await nemesis.run();
    expect(handed.calls).toEqual(["transfer from 1"]);
    expect(nemesis.events[0]).toMatchObject({
      lane: "operations",
      nodes: [1, 2],
      detail: "node 1 handed leadership to node 2 in 12.5 ms",
    });
    const refused = fakeTarget(3);
    const second = new Nemesis(refused, [fault({ lane: "operations", kind: "transfer-leader" })], clock());
    await second.run();
    expect(second.events[0]).toMatchObject({ nodes: [3], detail: "node 3 did not hand over: timed out" });
    const leaderless = fakeTarget(null);
    const third = new Nemesis(leaderless, [fault({ lane: "operations", kind: "transfer-leader" })], clock());
    await third.run();
    expect(leaderless.calls).toEqual([]);
    expect(third.events[0]).toMatchObject({ nodes: [], detail: "no leader to hand over from" });
  });

  it("heals the active fault and skips the rest when stopped early", async () => {
    const target = fakeTarget(1);
    const nemesis = new Nemesis(
      target,
      [
        fault({ lane: "process", kind: "pause-long", node: 2, forMs: 60_000 }),
        fault({ lane: "process", kind: "kill-node", atMs: 70_000 }),
      ],
      clock(),
    );
    const done = nemesis.run();
    await waitUntil(() => target.calls.includes("pause 2"), "the pause to start", 5000);
    nemesis.stop();
    await done;
    expect(target.calls).toEqual(["pause 2", "resume 2"]);
  });
});
