// Lease reads (thesis §6.4.1) on a monotonic clock: a leader serves a read at once only while a
// majority echoed a heartbeat round sent less than `leaseMs` ago by its clock; otherwise the read
// takes a heartbeat round. An isolated leader whose ticks stall (an event loop that stops) cannot
// stretch its lease, so it never answers from a state a newer leader has overwritten.

import { describe, expect, it } from "vitest";
import { ConfigError, configFromFlags } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { makeMessage } from "../../src/core/message.ts";
import { RawNode } from "../../src/core/raw-node.ts";
import { MessageType } from "../../src/core/types.ts";
import { Cluster } from "./support/cluster.ts";
import { MemLog } from "./support/mem-log.ts";

const TICK_MS = 10;
const ELECTION_TICKS = 10;
/** The followers' guaranteed wait, (electionTicks − 1) ticks, less a 10 ms drift bound. */
const LEASE_MS = (ELECTION_TICKS - 1) * TICK_MS - 10;

/** Three lease-read nodes sharing the clock `clock.t` (ms); node 1 leads with a fresh lease. */
function leaseCluster(): { c: Cluster; clock: { t: number } } {
  const clock = { t: 0 };
  const c = new Cluster();
  c.addNodes(3, {
    overrides: { readOnly: "lease", leaseMs: LEASE_MS, electionTicks: ELECTION_TICKS },
    now: () => clock.t,
  });
  c.campaign(1);
  c.stabilize();
  heartbeat(c, 1);
  return { c, clock };
}

/** One heartbeat round from leader `id`, delivered and echoed. */
function heartbeat(c: Cluster, id: number): void {
  c.tick(id, c.get(id).cfg.heartbeatTicks);
  c.stabilize();
}

function readStates(c: Cluster, id: number, ctx: number) {
  const n = c.get(id).node;
  n.readIndex(ctx);
  const rd = n.ready();
  n.advance(rd);
  for (const m of rd.messages) c.net.push(m);
  return rd.readStates;
}

describe("lease reads", () => {
  it("are served at once within the lease, and take a heartbeat round once it has run out", () => {
    const { c, clock } = leaseCluster();
    clock.t = LEASE_MS - 1;
    expect(readStates(c, 1, 7)).toEqual([{ ctx: 7, index: 1 }]);
    clock.t = LEASE_MS;
    expect(readStates(c, 1, 8)).toEqual([]);
    expect(c.net.some((m) => m.type === MessageType.Heartbeat)).toBe(true);
    c.stabilize();
    // The round confirmed the read and renewed the lease from its send time.
    expect(readStates(c, 1, 9)).toEqual([{ ctx: 9, index: 1 }]);
  });

  it("an isolated leader whose ticks stall serves no stale read after a new leader wrote", () => {
    const { c, clock } = leaseCluster();
    c.isolate(1);
    // Node 1's event loop stalls: no ticks (it cannot step down), while the clock runs on.
    const leads = (): number | undefined => [2, 3].find((id) => c.get(id).node.status().role === "leader");
    for (let i = 0; i < 3 * ELECTION_TICKS && leads() === undefined; i++) {
      clock.t += TICK_MS;
      c.tick(2);
      c.tick(3);
      c.stabilize([2, 3]);
    }
    const next = leads()!;
    expect(next).toBeDefined();
    c.propose(next, ["new"]);
    c.stabilize([2, 3]);
    expect(c.get(next).node.status().commit).toBe(3);
    expect(c.get(1).node.status().role).toBe("leader");
    expect(readStates(c, 1, 11)).toEqual([]); // the lease ran out: only a heartbeat round, which cannot return
    c.stabilize([1]);
    expect(c.get(1).node.hasReady()).toBe(false);
  });

  it("a follower that heard the leader ignores other candidates until its own election timeout passed", () => {
    const { c } = leaseCluster();
    const vote = makeMessage({ type: MessageType.Vote, from: 2, to: 3, term: 2, index: 1, logTerm: 1 });
    c.tick(3, ELECTION_TICKS - 1);
    c.get(3).node.step(vote);
    expect(c.get(3).node.status().term).toBe(1);
    c.tick(3);
    c.get(3).node.step(vote);
    expect(c.get(3).node.status()).toMatchObject({ term: 2, vote: 2 });
  });

  it("a restarted node honours a lease it may have granted before the crash", () => {
    const { c } = leaseCluster();
    c.crash(3);
    const vote = makeMessage({ type: MessageType.Vote, from: 2, to: 3, term: 2, index: 1, logTerm: 1 });
    c.get(3).node.step(vote);
    expect(c.get(3).node.status().term).toBe(1);
    c.tick(3, ELECTION_TICKS);
    c.get(3).node.step(vote);
    expect(c.get(3).node.status()).toMatchObject({ term: 2, vote: 2 });
  });

  it("ends with a leadership transfer: the target's votes set every lease aside", () => {
    const { c } = leaseCluster();
    expect(readStates(c, 1, 12)).toEqual([{ ctx: 12, index: 1 }]);
    c.isolate(2);
    expect(c.get(1).node.transferLeader(2)).toBe("started");
    expect(readStates(c, 1, 13)).toEqual([]);
  });

  it("needs a lease length and a clock", () => {
    const cfg = configFromFlags(1, [1, 2, 3], parseFlags("none"), { readOnly: "lease", leaseMs: 50 });
    expect(() => new RawNode(cfg, new MemLog())).toThrow(ConfigError);
    expect(() => configFromFlags(1, [1, 2, 3], parseFlags("none"), { readOnly: "lease" })).toThrow(/leaseMs/);
    expect(new RawNode(cfg, new MemLog(), () => 0).status().role).toBe("follower");
  });
});
