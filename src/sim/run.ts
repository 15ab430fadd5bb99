// One simulated run from one seed: boot the cluster, let clients run while the nemesis injects
// faults, then heal everything, let the cluster settle, check that a final write succeeds, that
// every node applied the same state, that no acknowledged write was lost, and that the history is
// linearizable. Everything derives from the seed: the same options give the same trace digest.

import type { HistoryEvent } from "../check/history.ts";
import { type CheckResult, checkEvents, type Verdict } from "../check/linearizability.ts";
import { type Flags, formatFlags } from "../core/flags.ts";
import type { Rng } from "../core/rng.ts";
import type { NodeId } from "../core/types.ts";
import { encodeCommand } from "../node/kv-command.ts";
import { defaultClockDriftMs, type ReadMode, readSettings } from "../node/read-mode.ts";
import { Clients, text } from "./clients.ts";
import { Cluster, type ClusterOptions } from "./cluster.ts";
import { Digest } from "./digest.ts";
import { checkAcknowledgedWrites, formatTime, InvariantViolation } from "./invariants.ts";
import { Nemesis } from "./nemesis.ts";
import { MS, type Nanos, Scheduler, US } from "./scheduler.ts";

export interface SimRunOptions {
  readonly seed: number;
  readonly flags: Flags;
  readonly nodes: number;
  /** Client operations to issue. */
  readonly ops: number;
  /** Inject faults while the clients run. */
  readonly faults: boolean;
  /** How reads are served (default readindex), and the clocks lease reads depend on. */
  readonly reads?: SimReads;
}

/**
 * Lease reads in the simulator: each node's clock (and its ticks) runs at its own rate, drawn
 * uniformly within 1 ± `clockDrift`; the lease is stated safe for a drift of `maxClockDriftMs` per
 * election timeout (default: the node's default, a tenth of it).
 */
export interface SimReads {
  readonly mode: ReadMode;
  readonly clockDrift: number;
  readonly maxClockDriftMs?: number;
}

export interface SimResult {
  readonly seed: number;
  /** Canonical spelling of the flag combination. */
  readonly flags: string;
  readonly nodes: number;
  /** True when nothing was violated and the history is linearizable. */
  readonly ok: boolean;
  /** Operations completed, by outcome. */
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly faults: number;
  /** Flag switches that took effect on some node (the nemesis flips flags as one of its faults). */
  readonly flagSwitches: number;
  /** Leadership transfers (another nemesis fault) that ended with the target leading. */
  readonly transfers: number;
  /** Membership changes that committed (the nemesis proposes them as one of its faults). */
  readonly memberChanges: number;
  /** What went wrong (invariant violations, errors, a non-linearizable history); empty when ok. */
  readonly violations: string[];
  readonly history: HistoryEvent[];
  readonly checkerVerdict: Verdict;
  readonly checker: CheckResult;
  /** Fingerprint of the event trace (deliveries, client events, faults) and the final state. */
  readonly digest: string;
  readonly virtualNs: Nanos;
  readonly events: number;
}

/** Nodes outside the initial configuration, which the nemesis adds (and removes) as members. */
const SPARES = 2;

/** Election timeout 100–200 ms of virtual time: well above every link and disk latency below. */
const TICK_NS = 10 * MS;
const ELECTION_TICKS = 10;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length)]!;

/**
 * Each seed draws its own world (fast or slow links, disks and apply loop, frequent or rare
 * snapshots), so the seeds cover the conditions under which each optimization changes the timing.
 */
function drawWorld(rng: Rng, o: SimRunOptions): ClusterOptions {
  const linkNs = pick(rng, [200 * US, 1 * MS, 4 * MS]);
  const fsyncNs = pick(rng, [100 * US, 1 * MS, 8 * MS]);
  return {
    nodes: o.nodes,
    spares: SPARES,
    flags: o.flags,
    tickNs: TICK_NS,
    // Small batches and windows, so their bounds are exercised too.
    raft: {
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 1,
      maxBatchEntries: 16,
      maxInflight: 8,
      ...readSettings(
        o.reads?.mode ?? "readindex",
        TICK_NS / MS,
        ELECTION_TICKS,
        o.reads?.maxClockDriftMs ?? defaultClockDriftMs(TICK_NS / MS, ELECTION_TICKS),
      ),
    },
    clockDrift: o.reads?.clockDrift ?? 0,
    link: { baseNs: linkNs, jitterNs: linkNs },
    disk: { fsyncBaseNs: fsyncNs, fsyncJitterNs: 2 * fsyncNs },
    applyNsPerEntry: pick(rng, [20 * US, 300 * US, 3 * MS]),
    snapshotEvery: pick(rng, [10, 40, 200]),
  };
}

const CLIENTS = { clients: 5, keys: 3, opTimeoutNs: 1000 * MS, thinkNs: 40 * MS, retryNs: 20 * MS, linkNs: 200 * US };
const NEMESIS = {
  gapNs: [50 * MS, 300 * MS] as const,
  durationNs: [100 * MS, 800 * MS] as const,
  electionTimeoutNs: ELECTION_TICKS * TICK_NS,
  lanes: 2,
};

/** Removals stop at one voter fewer than the cluster started with (at least one). */
const minVoters = (nodes: number): number => Math.max(1, nodes - 1);
/** Virtual time to elect a first leader before clients start, and to settle after healing. */
const BOOT_NS = 1000 * MS;
const SETTLE_NS = 3000 * MS;
const FINAL_WRITE_NS = 5000 * MS;
/** Process number of the end-of-run probe write in the history (clients use small numbers). */
const PROBE_PROCESS = 1_000_000;

export function runSeed(o: SimRunOptions): SimResult {
  const sched = new Scheduler(o.seed);
  const trace = new Digest();
  const cluster = new Cluster(sched, drawWorld(sched.rng, o), trace);
  const clients = new Clients(sched, cluster, { ...CLIENTS, ops: o.ops }, trace);
  const nemesis = new Nemesis(sched, cluster, { ...NEMESIS, minVoters: minVoters(o.nodes) }, trace);
  const violations: string[] = [];

  // The phases of a run, in order; the first to throw ends it (an invariant violation, or an error
  // out of the node's own code, which on a real node would have crashed it).
  const phases: [string, () => void][] = [
    [
      "run",
      () => {
        cluster.start();
        sched.runUntil(BOOT_NS);
        clients.start();
        if (o.faults) nemesis.start();
        // Clients give up on an operation after its timeout, so this always ends; the bound is a guard.
        const deadline = sched.now + o.ops * CLIENTS.opTimeoutNs;
        sched.runUntil(deadline, () => clients.done);
        if (!clients.done) throw new Error(`clients did not finish by ${formatTime(deadline)}`);
      },
    ],
    [
      "heal",
      () => {
        nemesis.stop();
        cluster.healAll();
        sched.runUntil(sched.now + SETTLE_NS);
      },
    ],
    ["final write", () => finalWrite(sched, cluster, clients.history)],
    [
      "convergence",
      () => {
        const deadline = sched.now + SETTLE_NS;
        sched.runUntil(deadline, () => converged(cluster));
        if (!converged(cluster)) {
          const applied = cluster
            .applied(cluster.members())
            .map((n) => `${n.id}:${n.index}`)
            .join(" ");
          throw new Error(`members did not converge to the same applied index after healing (applied ${applied})`);
        }
        compareStates(cluster, CLIENTS.keys, sched.now);
        const reference = cluster.applied(cluster.members())[0]!;
        checkAcknowledgedWrites(clients.history, (k) => text(reference.get(k)), reference.id, sched.now);
      },
    ],
  ];
  for (const [name, body] of phases) {
    try {
      body();
    } catch (err) {
      if (err instanceof InvariantViolation) violations.push(err.message);
      else violations.push(`${name}: ${err instanceof Error ? err.message : String(err)} (t=${formatTime(sched.now)})`);
      break;
    }
  }

  // Checked even after a failed phase: what the clients saw up to then must still be linearizable.
  const checker = checkEvents(clients.history);
  if (checker.verdict === "not linearizable")
    violations.push(`history is not linearizable (key ${checker.failingKey})`);
  if (checker.verdict === "unknown")
    violations.push(`linearizability undecided (search budget spent on ${checker.undecidedKeys.join(", ")})`);
  for (const n of cluster.applied()) trace.add(`final ${n.id} ${n.index}`);
  return {
    seed: o.seed,
    flags: formatFlags(o.flags),
    nodes: o.nodes,
    ok: violations.length === 0,
    ops: { ok: clients.stats.ok, fail: clients.stats.fail, info: clients.stats.info },
    faults: nemesis.log.filter((f) => f.kind !== "heal").length,
    flagSwitches: cluster.flagSwitches,
    transfers: cluster.transfers,
    memberChanges: cluster.memberChanges,
    violations,
    history: clients.history,
    checkerVerdict: checker.verdict,
    checker,
    digest: trace.hex(),
    virtualNs: sched.now,
    events: sched.eventsRun,
  };
}

const utf8 = new TextEncoder();

/** After healing, a write through the leader must succeed within a few election timeouts. */
function finalWrite(sched: Scheduler, cluster: Cluster, history: HistoryEvent[]): void {
  const key = "k0";
  const value = "final";
  history.push({ process: PROBE_PROCESS, type: "invoke", f: "write", key, value, time: sched.now });
  const deadline = sched.now + FINAL_WRITE_NS;
  let done = false;
  // Retried until one attempt is acknowledged; a repeat of the same value is harmless here, since no
  // other client runs any more.
  const attempt = (): void => {
    if (done || sched.now >= deadline) return;
    const leader = cluster.leader();
    if (leader !== 0) {
      cluster.call(leader, (d) =>
        d.propose(encodeCommand({ op: "put", key, value: utf8.encode(value) }), (out) => {
          if (out.ok && !done) {
            done = true;
            history.push({ process: PROBE_PROCESS, type: "ok", f: "write", key, value, time: sched.now });
          }
        }),
      );
    }
    sched.after(200 * MS, attempt);
  };
  attempt();
  sched.runUntil(deadline, () => done);
  if (!done) {
    history.push({ process: PROBE_PROCESS, type: "info", f: "write", key, value, time: sched.now });
    throw new Error(`no write succeeded within ${formatTime(FINAL_WRITE_NS)} after healing`);
  }
}

/** A leader, and every member of its configuration (removed nodes and spares aside) at one applied index. */
function converged(cluster: Cluster): boolean {
  const applied = cluster.applied(cluster.members());
  return applied.every((n) => n.index === applied[0]!.index) && cluster.leader() !== 0;
}

/** State machine safety at the end: every member holds the same value for every key. */
function compareStates(cluster: Cluster, keys: number, time: Nanos): void {
  const [first, ...rest] = cluster.applied(cluster.members());
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`;
    const want = text(first!.get(key));
    for (const n of rest) {
      const got = text(n.get(key));
      if (got !== want) {
        throw new InvariantViolation(
          "state machine safety",
          n.id as NodeId,
          n.index,
          time,
          `key ${key} is ${JSON.stringify(got)} here but ${JSON.stringify(want)} on node ${first!.id} at the same applied index`,
        );
      }
    }
  }
}
