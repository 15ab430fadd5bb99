// Lease reads in the simulator, on clocks that drift. Within the drift bound the lease is safe:
// random fault runs stay linearizable, and a leader cut off from the others stops answering from its
// lease before they can elect another. Beyond the bound the danger is real, and the simulator and the
// checker see it: the cut-off leader's slow clock still holds a lease after the fast-clocked others
// elected a new leader that took a write, and the read it serves is stale.

import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../src/check/history.ts";
import { checkEvents } from "../../src/check/linearizability.ts";
import { parseFlags } from "../../src/core/flags.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import { readSettings } from "../../src/node/read-mode.ts";
import { Cluster } from "../../src/sim/cluster.ts";
import { Digest } from "../../src/sim/digest.ts";
import { isolate } from "../../src/sim/network.ts";
import { runSeed } from "../../src/sim/run.ts";
import { MS, Scheduler, US } from "../../src/sim/scheduler.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * Node 1 leads on a clock running at `rates[0]`, the others at theirs; it takes a write, is cut
 * off, the others elect a leader that takes another write, and node 1 is asked to read.
 */
function cutOffLeaderReads(rates: readonly number[], maxClockDriftMs: number): HistoryEvent[] {
  const sched = new Scheduler(11);
  const cluster = new Cluster(
    sched,
    {
      nodes: 3,
      spares: 0,
      flags: parseFlags("all"),
      tickNs: 10 * MS,
      raft: { electionTicks: 10, heartbeatTicks: 1, ...readSettings("lease", 10, 10, maxClockDriftMs) },
      link: { baseNs: 200 * US, jitterNs: 0 },
      disk: { fsyncBaseNs: 200 * US, fsyncJitterNs: 0 },
      applyNsPerEntry: 20 * US,
      snapshotEvery: 0,
      clockDrift: 0,
      clockRates: rates,
    },
    new Digest(),
  );
  const history: HistoryEvent[] = [];
  const until = (what: string, cond: () => boolean): void => {
    sched.runUntil(sched.now + 5000 * MS, cond);
    if (!cond()) throw new Error(`${what}: not within 5 s of virtual time`);
  };
  const write = (process: number, node: number, value: string): void => {
    let acked = false;
    history.push({ process, type: "invoke", f: "write", key: "k", value, time: sched.now });
    cluster.call(node, (d) =>
      d.propose(encodeCommand({ op: "put", key: "k", value: utf8.encode(value) }), (o) => {
        if (!o.ok) throw new Error(`write ${value} on node ${node}: ${o.code}`);
        history.push({ process, type: "ok", f: "write", key: "k", value, time: sched.now });
        acked = true;
      }),
    );
    until(`write ${value}`, () => acked);
  };

  const settledLeader = (id: number): boolean => {
    const s = cluster.node(id).status();
    return s.role === "leader" && s.commit === s.lastIndex;
  };
  cluster.start();
  until("a leader", () => cluster.leader() !== 0 && settledLeader(cluster.leader()));
  if (cluster.leader() !== 1) cluster.transferLeader(cluster.leader(), 1);
  until("node 1 leading", () => settledLeader(1));
  sched.runUntil(sched.now + 1 * MS);
  write(1, 1, "a");
  sched.runUntil(sched.now + 30 * MS); // heartbeat rounds: node 1 holds a fresh lease
  cluster.addFilter(isolate(1));
  until("a leader among the others", () => [2, 3].some(settledLeader));
  const next = [2, 3].find(settledLeader)!;
  sched.runUntil(sched.now + 1 * MS);
  write(2, next, "b");
  expect(cluster.node(1).status().role).toBe("leader"); // it has not noticed yet
  sched.runUntil(sched.now + 1 * MS); // the read starts strictly after write b returned
  history.push({ process: 3, type: "invoke", f: "read", key: "k", value: null, time: sched.now });
  cluster.call(1, (d, kv) =>
    d.read(
      () => kv.get("k"),
      (o) => {
        if (o.ok) {
          const value = o.value === null ? null : text.decode(o.value);
          history.push({ process: 3, type: "ok", f: "read", key: "k", value, time: sched.now });
        }
      },
    ),
  );
  sched.runUntil(sched.now + 50 * MS);
  return history;
}

describe("lease reads in the simulator", () => {
  it("within the drift bound, a cut-off leader's lease runs out before the others can elect", () => {
    // 3 % each way, under the default bound (a tenth of the election timeout: about 5.9 % here).
    const history = cutOffLeaderReads([0.97, 1.03, 1.03], 10);
    expect(history.filter((e) => e.f === "read" && e.type === "ok")).toEqual([]);
    expect(checkEvents(history).verdict).toBe("linearizable");
  });

  it("beyond it, the checker finds the stale read the cut-off leader serves", () => {
    // Node 1's clock at half speed, the others' at 1.5×, and no drift allowed for.
    const history = cutOffLeaderReads([0.5, 1.5, 1.5], 0);
    const read = history.find((e) => e.f === "read" && e.type === "ok");
    expect(read?.value).toBe("a");
    const result = checkEvents(history);
    expect(result.verdict).toBe("not linearizable");
  });

  it("fault runs with lease reads on drifting clocks within the bound stay linearizable", () => {
    const failures: string[] = [];
    for (const flags of ["none", "all"]) {
      for (let seed = 1; seed <= 24; seed++) {
        const r = runSeed({
          seed,
          flags: parseFlags(flags),
          nodes: 3,
          ops: 300,
          faults: true,
          reads: { mode: "lease", clockDrift: 0.05 },
        });
        if (!r.ok) failures.push(`seed ${seed} ${flags}: ${r.violations.join("; ")}`);
      }
    }
    console.log(`lease reads, clock drift ±5 %: seeds 1..24 × none,all, ${failures.length} failed`);
    expect(failures).toEqual([]);
  });
});
