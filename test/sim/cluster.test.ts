// The simulated cluster itself: the harness must crash, pause and heal nodes the way it claims to,
// or the many-seed suite proves nothing.

import { describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { makeMessage } from "../../src/core/message.ts";
import { seededRng } from "../../src/core/rng.ts";
import { MessageType } from "../../src/core/types.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import { Cluster, type ClusterOptions } from "../../src/sim/cluster.ts";
import { Digest } from "../../src/sim/digest.ts";
import { fsyncLatency, SimDisk } from "../../src/sim/disk.ts";
import { MS, Scheduler, US } from "../../src/sim/scheduler.ts";

const options = (flags: string, spares: number): ClusterOptions => ({
  nodes: 3,
  spares,
  flags: parseFlags(flags),
  tickNs: 10 * MS,
  raft: { electionTicks: 10, heartbeatTicks: 1 },
  link: { baseNs: MS, jitterNs: MS },
  disk: { fsyncBaseNs: 2 * MS, fsyncJitterNs: 0 },
  applyNsPerEntry: 100 * US,
  snapshotEvery: 20,
  clockDrift: 0,
});

function boot(flags = "all", seed = 1, spares = 0) {
  const sched = new Scheduler(seed);
  const cluster = new Cluster(sched, options(flags, spares), new Digest());
  cluster.start();
  const until = (what: string, cond: () => boolean, withinNs = 5000 * MS): void => {
    if (!cond()) sched.runUntil(sched.now + withinNs, cond);
    if (!cond()) throw new Error(`${what}: not within ${withinNs / MS} ms of virtual time`);
  };
  /** Proposes through the leader until one attempt is acknowledged. */
  const put = (key: string, value: string): void => {
    const leader = cluster.leader();
    const retry = (): void => sched.after(20 * MS, () => put(key, value));
    if (leader === 0) return retry();
    cluster.call(leader, (d) =>
      d.propose(encodeCommand({ op: "put", key, value: new TextEncoder().encode(value) }), (out) => {
        if (!out.ok) retry();
      }),
    );
  };
  const applied = (id: number): number => cluster.node(id).inc.sm.appliedIndex;
  return { sched, cluster, until, put, applied };
}

describe("simulated cluster", () => {
  it("elects one leader and replicates a write to every member's state machine", () => {
    const { cluster, until, put } = boot("all", 1, 1);
    until("a leader", () => cluster.leader() !== 0);
    put("k", "v1");
    until("applied everywhere", () => cluster.applied(cluster.members()).every((n) => n.get("k") !== null));
    expect(cluster.members()).toEqual([1, 2, 3]);
    expect(cluster.applied([1, 2, 3]).map((n) => new TextDecoder().decode(n.get("k")!))).toEqual(["v1", "v1", "v1"]);
    expect(cluster.applied([4])[0]!.get("k")).toBeNull(); // the spare is not a member
  });

  it("adds the spare as a learner, promotes it, and the leader removes itself", () => {
    const { cluster, sched, until, put, applied } = boot("all", 1, 1);
    until("a leader", () => cluster.leader() !== 0);
    for (let i = 0; i < 30; i++) put(`k${i}`, "x"); // past a compaction (snapshotEvery 20)
    until("applied", () => applied(cluster.leader()) > 30);
    const first = cluster.leader();
    const change = (op: "add-learner" | "promote" | "remove", id: number): void => {
      const before = cluster.memberChanges;
      const retry = (): void => {
        if (cluster.memberChanges > before) return;
        const leader = cluster.leader();
        if (leader !== 0) cluster.changeMembers(leader, { op, id });
        sched.after(50 * MS, retry);
      };
      retry();
      until(`${op} ${id} committed`, () => cluster.memberChanges > before);
    };
    change("add-learner", 4);
    until("the learner caught up", () => applied(4) === applied(first));
    expect(cluster.conf(first)).toMatchObject({ voters: [1, 2, 3], learners: [4] });
    change("promote", 4);
    change("remove", first);
    until("a new leader", () => ![0, first].includes(cluster.leader()));
    expect(cluster.members()).toEqual([1, 2, 3, 4].filter((id) => id !== first));
    put("after", "y");
    until("applied by the members", () => cluster.applied(cluster.members()).every((n) => n.get("after") !== null));
    sched.runUntil(sched.now + 2000 * MS);
    expect(cluster.node(first).status().role).toBe("follower"); // removed: it never campaigns again
  });

  it("a paused node processes nothing, then catches up when resumed", () => {
    const { cluster, sched, until, put, applied } = boot("batch+pipeline");
    until("a leader", () => cluster.leader() !== 0);
    const follower = cluster.nodeIds.find((n) => n !== cluster.leader())!;
    cluster.pause(follower);
    const frozen = applied(follower);
    for (let i = 0; i < 10; i++) put(`k${i}`, "x");
    sched.runUntil(sched.now + 500 * MS);
    expect(applied(follower)).toBe(frozen);
    expect(applied(cluster.leader())).toBeGreaterThan(frozen);
    cluster.resume(follower);
    until("caught up", () => applied(follower) === applied(cluster.leader()));
  });

  it("a crash loses unsynced writes; the restarted node rebuilds from its store and catches up", () => {
    const { cluster, sched, until, put, applied } = boot("none");
    until("a leader", () => cluster.leader() !== 0);
    const leader = cluster.leader();
    for (let i = 0; i < 5; i++) put(`k${i}`, "x");
    sched.runUntil(sched.now + 500 * US); // appended, but the 2 ms fsync has not completed
    const node = cluster.node(leader);
    const before = node.store.lastIndex();
    cluster.crash(leader);
    expect(node.store.lastIndex()).toBeLessThan(before);
    expect(cluster.leader()).not.toBe(leader);
    until("a new leader", () => cluster.leader() !== 0);
    for (let i = 0; i < 30; i++) put(`j${i}`, "y"); // enough to compact the others' logs (snapshotEvery 20)
    cluster.restart(leader);
    until("caught up", () => cluster.applied().every((n) => n.get("j29") !== null));
    expect(applied(leader)).toBeGreaterThan(30);
    expect(cluster.node(leader).store.firstIndex()).toBeGreaterThan(1); // it compacted too, or got a snapshot
  });
});

describe("simulated disk on a crash", () => {
  it("a hard-state file that outlives the log's writes never makes a node apply an uncommitted entry", () => {
    // The old leader x holds an uncommitted suffix. The new leader's append that replaces it reaches
    // x with a higher term and a commit index covering the new entries: one Ready writes the
    // hard-state file (term) and appends to the log; x crashes before the fsync. What each file
    // kept is drawn from the seed; across these seeds, some crashes keep the hard-state file and
    // lose the append, and then x must not apply its old entries as committed.
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      expect(() => outcomes.add(crashAfterOverwrite(seed)), `seed ${seed}`).not.toThrow();
    }
    expect(outcomes).toContain("hard state kept, append lost");
  });
});

/** The scenario above for one seed; returns what x's crash kept of each file. */
function crashAfterOverwrite(seed: number): string {
  const utf8 = new TextEncoder();
  const { cluster, sched, until, put, applied } = boot("batch", seed);
  until("a leader", () => cluster.leader() !== 0);
  const x = cluster.leader();
  put("a", "1");
  until("applied everywhere", () => cluster.applied().every((n) => n.get("a") !== null));
  const common = cluster.node(x).store.lastIndex();
  const cut = cluster.addFilter((batch) => batch.filter((e) => e.from !== x && e.to !== x));
  for (let i = 0; i < 3; i++)
    cluster.call(x, (d) => d.propose(encodeCommand({ op: "put", key: "lost", value: utf8.encode(`${i}`) }), () => {}));
  sched.runUntil(sched.now + 50 * MS);
  const oldTerm = cluster.node(x).status().term;
  expect(cluster.node(x).store.lastIndex(), `seed ${seed}`).toBe(common + 3);
  until("a new leader", () => ![0, x].includes(cluster.leader()));
  const n = cluster.leader();
  for (let i = 0; i < 5; i++) put(`b${i}`, "2");
  until("the new leader applied past x's log", () => applied(n) > common + 3);
  const leader = cluster.node(n);
  const commit = leader.status().commit;
  const app = makeMessage({
    type: MessageType.App,
    from: n,
    to: x,
    term: leader.status().term,
    index: common,
    logTerm: leader.store.term(common),
    entries: leader.store.entries(common + 1, commit + 1, Number.MAX_SAFE_INTEGER),
    commit,
  });
  // The append the new leader sends once it has found where x's log diverges, delivered here as
  // the first x hears of the new term (x has been cut off until now).
  cluster.call(x, (d) => d.step([app]));
  sched.runUntil(sched.now + 100 * US); // written, but the 2 ms fsync has not completed
  cluster.crash(x);
  const store = cluster.node(x).store;
  const kept = `hard state ${store.initialState().hardState.term > oldTerm ? "kept" : "lost"}, append ${store.term(common + 1) === oldTerm ? "lost" : "kept"}`;
  cluster.removeFilter(cut);
  cluster.restart(x);
  until(`node ${x} to catch up`, () => applied(x) === applied(n) && applied(x) > common + 3);
  return kept;
}

describe("SimDisk", () => {
  it("completes fsyncs after their latency, in the order they were issued", () => {
    const sched = new Scheduler(1);
    const disk = new SimDisk(sched, { fsyncBaseNs: 1 * MS, fsyncJitterNs: 5 * MS });
    const done: [number, number][] = [];
    for (let i = 0; i < 20; i++) disk.schedule(() => done.push([i, sched.now]));
    sched.runUntil(1000 * MS);
    expect(done.map(([i]) => i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(done[0]![1]).toBeGreaterThanOrEqual(MS);
    expect(done[19]![1]).toBeGreaterThanOrEqual(20 * MS); // one device queue: latencies add up
    expect(disk.syncs).toBe(20);
  });
});

describe("fsync latency", () => {
  it("log-normal: the draws have the asked median and 99th percentile", () => {
    const rng = seededRng(11);
    const shape = { fsyncP50Ns: 2 * MS, fsyncP99Ns: 10 * MS };
    const draws = Array.from({ length: 20_000 }, () => fsyncLatency(shape, rng)).sort((a, b) => a - b);
    expect(draws[10_000]! / (2 * MS)).toBeCloseTo(1, 1);
    expect(draws[19_800]! / (10 * MS)).toBeCloseTo(1, 1);
  });

  it("a median equal to the 99th percentile is a constant", () => {
    const rng = seededRng(11);
    expect(new Set(Array.from({ length: 50 }, () => fsyncLatency({ fsyncP50Ns: MS, fsyncP99Ns: MS }, rng)))).toEqual(
      new Set([MS]),
    );
  });
});
