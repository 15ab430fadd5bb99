// The mechanism counters move as each optimization says, on the real driver in the deterministic
// simulator: a burst of proposals shares a leader fsync only with batch on, more than one
// AppendEntries is in flight only with pipeline on (and never more than the window), and the
// counters' windows are differences of snapshots.

import { describe, expect, it } from "vitest";
import type { RaftConfig } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import {
  CountHistogram,
  type CountHistogramSnapshot,
  MECHANISM_NAMES,
  type Mechanism,
  type MechanismWindow,
  windowOf,
} from "../../src/node/mechanism-counters.ts";
import { Cluster } from "../../src/sim/cluster.ts";
import { Digest } from "../../src/sim/digest.ts";
import { MS, Scheduler, US } from "../../src/sim/scheduler.ts";

const BURST = 40;

type Windows = Record<Mechanism, MechanismWindow>;

function windows(
  before: Record<Mechanism, CountHistogramSnapshot>,
  after: Record<Mechanism, CountHistogramSnapshot>,
): Windows {
  return Object.fromEntries(MECHANISM_NAMES.map((m) => [m, windowOf(before[m], after[m])])) as Windows;
}

/**
 * A 3-node simulated cluster; once a leader is elected and idle, BURST puts arrive in one event. The
 * counters' windows cover the burst only, as the bench takes them.
 */
function burst(flags: string, raft: Partial<RaftConfig> = {}): { leader: Windows; followers: Windows[] } {
  const sched = new Scheduler(7);
  const cluster = new Cluster(
    sched,
    {
      nodes: 3,
      spares: 0,
      flags: parseFlags(flags),
      tickNs: 10 * MS,
      raft: { electionTicks: 10, heartbeatTicks: 1, ...raft },
      link: { baseNs: 500 * US, jitterNs: 0 },
      disk: { fsyncBaseNs: 1 * MS, fsyncJitterNs: 0 },
      applyNsPerEntry: 10 * US,
      snapshotEvery: 0,
      clockDrift: 0,
    },
    new Digest(),
  );
  cluster.start();
  sched.runUntil(2000 * MS, () => cluster.leader() !== 0);
  const leader = cluster.leader();
  expect(leader).not.toBe(0);
  // Let the new leader's no-op commit everywhere first.
  sched.runUntil(sched.now + 200 * MS);
  const before = new Map(cluster.nodeIds.map((id) => [id, cluster.node(id).counters.snapshot()]));
  let applied = 0;
  cluster.call(leader, (d) => {
    for (let i = 0; i < BURST; i++) {
      d.propose(encodeCommand({ op: "put", key: `k${i}`, value: new Uint8Array(8) }), (o) => {
        expect(o.ok).toBe(true);
        applied++;
      });
    }
  });
  sched.runUntil(sched.now + 5000 * MS, () => applied === BURST);
  expect(applied).toBe(BURST);
  // Followers learn the last commit a heartbeat later.
  sched.runUntil(sched.now + 100 * MS);
  const of = (id: number): Windows => windows(before.get(id)!, cluster.node(id).counters.snapshot());
  return { leader: of(leader), followers: cluster.nodeIds.filter((id) => id !== leader).map(of) };
}

const sum = (w: MechanismWindow): number => Math.round(w.mean * w.count);

describe("mechanism counters in the simulator", () => {
  it("batch on: the burst shares few leader fsyncs (more than one entry each); off: exactly one entry per fsync", () => {
    const on = burst("batch");
    expect(sum(on.leader.leaderWriteEntries)).toBe(BURST);
    expect(on.leader.leaderWriteEntries.mean).toBeGreaterThan(1);
    expect(on.leader.leaderWriteEntries.count).toBeLessThan(BURST / 4);
    expect(on.leader.appendEntries.mean).toBeGreaterThan(1);
    expect(sum(on.leader.proposalQueue)).toBe(BURST);
    expect(on.leader.writeBytes.mean).toBeGreaterThan(on.leader.leaderWriteEntries.mean * 8);

    const off = burst("none");
    expect(off.leader.leaderWriteEntries).toEqual({ count: BURST, mean: 1, max: 1 });
    expect(off.leader.appendEntries).toEqual({ count: 2 * BURST, mean: 1, max: 1 });
    // Each follower writes and fsyncs each entry on its own too; the leader never writes as a follower.
    for (const f of off.followers) expect(f.followerWriteEntries).toEqual({ count: BURST, mean: 1, max: 1 });
    expect(off.leader.followerWriteEntries.count).toBe(0);
  });

  it("pipeline off: at most one AppendEntries in flight per follower; on: more, bounded by the window", () => {
    const off = burst("batch+parallel-append", { maxBatchEntries: 1 });
    expect(off.leader.appendInflight.count).toBe(2 * BURST);
    expect(off.leader.appendInflight.max).toBe(1);

    const on = burst("batch+pipeline+parallel-append", { maxBatchEntries: 1, maxInflight: 4 });
    expect(on.leader.appendInflight.count).toBe(2 * BURST);
    expect(on.leader.appendInflight.max).toBe(4);
    expect(on.leader.appendInflight.mean).toBeGreaterThan(1);
  });

  it("counts entries per apply batch on every node", () => {
    const r = burst("batch+async-apply");
    expect(sum(r.leader.applyBatch)).toBe(BURST);
    expect(r.leader.applyBatch.mean).toBeGreaterThan(1);
    for (const f of r.followers) expect(sum(f.applyBatch)).toBe(BURST);
  });
});

describe("CountHistogram", () => {
  it("puts a value in the smallest power-of-two bucket that holds it, and windows by difference", () => {
    const h = new CountHistogram();
    for (const v of [0, 1, 2, 3, 4, 5, 64, 65]) h.observe(v);
    expect([...h.buckets.slice(0, 8)]).toEqual([2, 1, 2, 1, 0, 0, 1, 1]);
    const a = h.snapshot();
    h.observe(3);
    h.observe(5);
    expect(windowOf(a, h.snapshot())).toEqual({ count: 2, mean: 4, max: 8 });
    expect(windowOf(h.snapshot(), h.snapshot())).toEqual({ count: 0, mean: 0, max: 0 });
  });
});
