// Crash-point durability: for every flag combination, a node of a 3-node cluster is killed at every
// named failpoint (src/node/failpoints.ts) while a client writes, and restarted on its data
// directory. Asserted: the crash happened there (a SIGKILL exit; a point never reached fails), the
// node comes back (it must recover to reach its next point, and at the end catches up to the
// leader's commit), and no acknowledged write is lost (each is read back through the leader).
// Half of the combinations run with `--storage-mode buffered`, where a kill -9 also loses every
// unsynced log write, as a power cut would.
//
// One cluster per combination; the points are cycled by restarting the crashed node with the next
// `--failpoint`, so each crash costs one process start:
//   follower points — the node restarts as a follower and crashes while it catches up and follows;
//   hard-state points — the leader's link to the node is cut, so it times out and campaigns
//                       (PreVote off for that start, or it would not bump its term);
//   reply points — the node is made leader by a handover that leaves it the only electable node
//                  (see handOver), then answers writes;
//   conf points — membership changes go through the leader (a learner with a spare address where
//                 nothing runs is added, removed, added, ...) while the node follows; for one of
//                 them (see confLeaderPoint) the node is made leader and proposes the changes itself.
// At the end every node must hold the configuration the leader reports committed, no older than the
// last acknowledged change (the same, when its entry is that change's).
// One more case runs once, outside the combinations: a diverged old leader (see runDiverged).
// Env: RAFTLAB_CRASH_COMBOS=none,batch+pipeline and RAFTLAB_CRASH_POINTS=mid-batch,… narrow the run;
// RAFTLAB_CRASH_LANES (default 3) sets how many clusters run at once; RAFTLAB_TEST_VERBOSE=1 shows
// node output.

import { rmSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { allCombos, type Flags, formatFlags, parseFlags } from "../../src/core/flags.ts";
import { NodeClient } from "../../src/node/api-client.ts";
import type {
  LinkChangeBody,
  MemberInfo,
  MembersChangeBody,
  MembersChanged,
  NodeStatus,
} from "../../src/node/api-types.ts";
import { clientUrlOf, type MemberAddress, peerUrlOf } from "../../src/node/cluster-file.ts";
import { FAILPOINT_NAMES, type FailpointName } from "../../src/node/failpoints.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { freeBasePort } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";
import { AckingWriter } from "./support/writer.ts";

type Kind = "follower" | "hardstate" | "leader" | "conf" | "conf-leader";
const KIND: Record<FailpointName, Kind> = {
  "before-log-write": "follower",
  "after-log-write": "follower",
  "mid-batch": "follower",
  "before-fsync": "follower",
  "after-fsync": "follower",
  "before-apply": "follower",
  "after-apply": "follower",
  "before-snapshot-write": "follower",
  "after-snapshot-write": "follower",
  "before-hardstate-write": "hardstate",
  "after-hardstate-write": "hardstate",
  "before-reply": "leader",
  "after-reply": "leader",
  "before-conf-persist": "conf",
  "after-conf-persist": "conf",
  "before-conf-apply": "conf",
  "after-conf-apply": "conf",
};

/**
 * The conf point the node reaches as the leader proposing the changes, alternating by pairs of
 * combinations (so each meets both storage modes): the entry in force but not yet written, and the
 * change applied but its proposer not yet answered.
 */
const confLeaderPoint = (comboIndex: number): FailpointName =>
  (comboIndex >> 1) % 2 === 0 ? "before-conf-persist" : "after-conf-apply";

/**
 * `points` with the combination's conf leader point moved first of the conf points: no
 * configuration entry is pending on the node then, so its first hit is its own, as leader, not a
 * replay of an earlier change while it catches up.
 */
function pointOrder(points: readonly FailpointName[], leaderPoint: FailpointName): FailpointName[] {
  const rest = points.filter((p) => p !== leaderPoint);
  if (rest.length === points.length) return rest;
  const at = rest.findIndex((p) => KIND[p] === "conf");
  rest.splice(at === -1 ? rest.length : at, 0, leaderPoint);
  return rest;
}

const envList = (name: string): string[] | null => process.env[name]?.split(",").filter(Boolean) ?? null;
const COMBOS: Flags[] = envList("RAFTLAB_CRASH_COMBOS")?.map(parseFlags) ?? allCombos();
const POINTS = (envList("RAFTLAB_CRASH_POINTS") as FailpointName[] | null) ?? FAILPOINT_NAMES;
const LANES = Number(process.env.RAFTLAB_CRASH_LANES ?? 3);
const CRASH_TIMEOUT_MS = 30_000;

/** Limits how many clusters run at once on this small machine. */
const lanes = (() => {
  let free = LANES;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (free === 0) await new Promise<void>((r) => waiting.push(r));
      else free--;
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
})();

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const summary: string[] = [];
let totalCrashes = 0;
let totalAcked = 0;
afterAll(() => {
  console.log(
    `crash points: ${POINTS.length} points × ${COMBOS.length} combinations, ${totalCrashes} failpoint crashes observed, ` +
      `${totalAcked} acknowledged writes verified\n${summary.join("\n")}`,
  );
});

describe.concurrent("crash points", () => {
  COMBOS.forEach((flags) => {
    // By the combination's place among all 16, so a narrowed run replays the same storage mode.
    const comboIndex = allCombos().findIndex((c) => formatFlags(c) === formatFlags(flags));
    const mode = comboIndex % 2 === 1 ? "buffered" : "direct";
    it(`${formatFlags(flags)} (${mode} storage)`, { timeout: 600_000 }, () =>
      lanes.run(() => runCombo(flags, comboIndex, mode)),
    );
  });
});

async function runCombo(flags: Flags, comboIndex: number, mode: "direct" | "buffered"): Promise<void> {
  const started = Date.now();
  const exits = new Map<number, (e: Exit) => void>();
  const cluster = new LocalCluster({
    nodes: 3,
    flags,
    // A fourth member's ports: the address of the learner the conf points add, where nothing runs.
    basePort: await freeBasePort(4),
    nodeArgs: ["--admin", "--snapshot-every", "25", "--storage-mode", mode],
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
    onExit: (id, code, signal) => {
      const cb = exits.get(id);
      exits.delete(id);
      cb?.({ code, signal });
    },
  });
  const writer = new AckingWriter(cluster, `c${comboIndex}`);
  const churn: Churn = { spare: cluster.address(4), last: null, acked: 0 };
  const crashes: string[] = [];
  let slowest = { point: "", ms: 0 };
  try {
    cluster.start();
    let leader = await cluster.waitForLeader(20_000);
    writer.start();
    await waitUntil(() => writer.acked.size >= 20, "20 acknowledged writes", 20_000);

    // The node that cycles through the points starts as a follower, killed plainly first.
    const x = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(x);

    const leaderPoint = confLeaderPoint(comboIndex);
    for (const point of pointOrder(POINTS, leaderPoint)) {
      const kind = point === leaderPoint ? "conf-leader" : KIND[point];
      const hit = kind === "follower" || kind === "conf" ? 1 + (comboIndex % 3) : 1;
      const extra = kind === "hardstate" ? ["--no-pre-vote"] : [];
      const pointStarted = Date.now();
      const exited = new Promise<Exit>((resolve) => exits.set(x, resolve));
      cluster.startNode(x, ["--failpoint", `${point}:${hit}`, ...extra]);
      const driven = driveToCrash(kind, cluster, x, writer, churn, exited);
      const exit = await deadline(
        Promise.all([exited, driven]).then(([e]) => e),
        CRASH_TIMEOUT_MS,
        `node ${x} to crash at failpoint ${point}:${hit} (${formatFlags(flags)}, ${mode})`,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; nodes: ${await describeNodes(cluster)}`);
      });
      expect(exit, `node ${x} at failpoint ${point}`).toEqual({ code: null, signal: "SIGKILL" });
      crashes.push(point);
      const took = Date.now() - pointStarted;
      if (took > slowest.ms) slowest = { point, ms: took };
    }

    // The last crash's restart, without a failpoint: it must come back and catch up.
    const floor = writer.acked.size;
    cluster.startNode(x);
    await waitUntil(() => writer.acked.size >= floor + 10, "writes after the last restart", 20_000);
    await writer.stop();
    await healAll(cluster);
    leader = await cluster.waitForLeader(20_000);
    const target = (await cluster.status(leader))!.commitIndex;
    for (const id of cluster.ids) {
      await waitUntil(
        async () => ((await cluster.status(id))?.appliedIndex ?? 0) >= target,
        `node ${id} to apply up to ${target}`,
        20_000,
      );
    }
    await expectAllAcked(cluster.clientUrl(leader), writer.acked);
    await expectOneConfiguration(cluster, leader, churn);

    totalCrashes += crashes.length;
    totalAcked += writer.acked.size;
    summary.push(
      `  ${formatFlags(flags).padEnd(42)} ${mode.padEnd(8)} crashes ${crashes.length}/${POINTS.length} on node ${x} (leading at ${leaderPoint}), ` +
        `${writer.acked.size} acked writes and ${churn.acked} membership changes, ${((Date.now() - started) / 1000).toFixed(1)} s (slowest point ${slowest.point}, ${(slowest.ms / 1000).toFixed(1)} s)`,
    );
  } finally {
    await writer.stop();
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
  }
}

/**
 * The window between a hard-state write and the log's fsync, on a node whose log holds a suffix
 * that was never committed (buffered storage, so a kill -9 loses every unsynced log write): the old
 * leader `x` is cut off while it still takes writes, the others elect a leader and commit past its
 * log, and then `x` is killed where it adopts the new term (hard state durable, log writes pending)
 * and again before the fsync of the append that replaces its suffix. Asserted: both crashes happen
 * there, `x` then catches up with the leader (a node that had applied its old suffix could not),
 * no acknowledged write is lost, and none of the writes `x` took alone was ever applied.
 */
describe("crash points: a diverged old leader", () => {
  it(
    "crashes where it adopts the new term and before its suffix is replaced, then converges (buffered storage)",
    { timeout: 300_000 },
    () => lanes.run(() => runDiverged(parseFlags("all"))),
  );
});

async function runDiverged(flags: Flags): Promise<void> {
  const exits = new Map<number, (e: Exit) => void>();
  const cluster = new LocalCluster({
    nodes: 3,
    flags,
    basePort: await freeBasePort(3),
    nodeArgs: ["--admin", "--snapshot-every", "1000", "--storage-mode", "buffered"],
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
    onExit: (id, code, signal) => {
      const cb = exits.get(id);
      exits.delete(id);
      cb?.({ code, signal });
    },
  });
  const writer = new AckingWriter(cluster, "diverged");
  try {
    cluster.start();
    const x = await cluster.waitForLeader(20_000);
    const others = cluster.ids.filter((id) => id !== x);
    writer.start();
    await waitUntil(() => writer.acked.size >= 20, "20 acknowledged writes", 20_000);
    await writer.pause();

    // Cut x off while it leads, and hand it writes that can never commit.
    await links(cluster, x, { partitioned: true });
    for (const id of others) await links(cluster, id, { to: [x], partitioned: true });
    const before = (await cluster.status(x))!.lastIndex;
    const orphans = ["orphan-0", "orphan-1", "orphan-2"];
    const hanging = orphans.map((k) =>
      cluster
        .client(x)
        .send("PUT", `/kv/${k}`, { body: k, timeoutMs: 3000 })
        .then(
          (r) => r.status,
          () => 0,
        ),
    );
    await waitUntil(
      async () => ((await cluster.status(x))?.lastIndex ?? 0) >= before + orphans.length,
      `node ${x} to append the orphan writes`,
      20_000,
    );
    const orphanEnd = (await cluster.status(x))!.lastIndex;

    // The others elect a leader and commit past the end of x's log.
    writer.resume();
    const leader = await cluster.waitForLeader(20_000, others);
    await waitUntil(
      async () => ((await cluster.status(leader))?.commitIndex ?? 0) > orphanEnd + 5,
      `leader ${leader} to commit past ${orphanEnd}`,
      20_000,
    );
    expect(await Promise.all(hanging), "writes to the cut-off leader are never acknowledged").not.toContain(204);
    await cluster.kill(x);
    for (const id of others) await links(cluster, id, { to: [x], partitioned: false });

    for (const point of ["after-hardstate-write:1", "before-fsync:1"]) {
      const exited = new Promise<Exit>((resolve) => exits.set(x, resolve));
      cluster.startNode(x, ["--failpoint", point]);
      const exit = await deadline(
        exited,
        CRASH_TIMEOUT_MS,
        `node ${x} to crash at failpoint ${point} (diverged old leader)`,
      );
      expect(exit, `node ${x} at failpoint ${point}`).toEqual({ code: null, signal: "SIGKILL" });
    }

    cluster.startNode(x);
    const floor = writer.acked.size;
    await waitUntil(() => writer.acked.size >= floor + 10, "writes after the last restart", 20_000);
    await writer.stop();
    const current = await cluster.waitForLeader(20_000);
    const target = (await cluster.status(current))!.commitIndex;
    for (const id of cluster.ids) {
      await waitUntil(
        async () => ((await cluster.status(id))?.appliedIndex ?? 0) >= target,
        `node ${id} to apply up to ${target}`,
        20_000,
      );
    }
    await expectAllAcked(cluster.clientUrl(current), writer.acked);
    for (const k of orphans) {
      expect(await cluster.client(current).get(k), `never-committed write ${k}`).toBeNull();
    }
  } finally {
    await writer.stop();
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
  }
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}: the point was never reached`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function links(cluster: LocalCluster, id: number, body: LinkChangeBody): Promise<void> {
  await cluster.client(id).setLinks(body, { timeoutMs: 2000 });
}

async function healAll(cluster: LocalCluster): Promise<void> {
  for (const id of cluster.ids)
    if (cluster.isRunning(id)) await links(cluster, id, { partitioned: false }).catch(() => undefined);
}

/** The node among `among` that reports itself leader in the highest term, if any. */
async function currentLeader(cluster: LocalCluster, among: readonly number[]): Promise<NodeStatus | null> {
  const leaders = (await Promise.all(among.map((id) => cluster.status(id, 500)))).filter((s) => s?.role === "leader");
  return leaders.reduce<NodeStatus | null>((best, s) => (best === null || s!.term > best.term ? s : best), null);
}

/** Resolves once `x` answers /status or died (it may die before it answers). */
async function answering(cluster: LocalCluster, x: number, crashed: () => boolean): Promise<void> {
  await waitUntil(async () => crashed() || (await cluster.status(x, 500)), `node ${x} to answer /status`, 20_000);
}

/** Turns true once `exited` has resolved, for waits that must end when the node dies. */
function exitFlag(exited: Promise<Exit>): () => boolean {
  let done = false;
  void exited.then(() => (done = true));
  return () => done;
}

/**
 * Hard-state points: cut every link towards `x`, so it times out and campaigns; heal once it died.
 * (It may die before it answers /status: a node that starts, times out and campaigns on its own.)
 */
async function isolateUntilExit(cluster: LocalCluster, x: number, exited: Promise<Exit>): Promise<void> {
  const others = cluster.ids.filter((id) => id !== x);
  const crashed = exitFlag(exited);
  await answering(cluster, x, crashed);
  if (crashed()) return;
  for (const id of others) await links(cluster, id, { to: [x], partitioned: true });
  await exited;
  for (const id of others) await links(cluster, id, { to: [x], partitioned: false });
}

/** What reaches `x`'s failpoint of kind `kind`; resolves once `x` died (see the header). */
function driveToCrash(
  kind: Kind,
  cluster: LocalCluster,
  x: number,
  writer: AckingWriter,
  churn: Churn,
  exited: Promise<Exit>,
): Promise<unknown> {
  const crashed = exitFlag(exited);
  const deposed = async (): Promise<boolean> => crashed() || !(await leads(cluster, x));
  switch (kind) {
    case "follower":
      return exited;
    case "hardstate":
      return isolateUntilExit(cluster, x, exited);
    case "leader":
      // The paused writes reach `x` once it leads; its first reply kills it.
      return leadUntilExit(cluster, x, writer, crashed, () =>
        waitUntil(deposed, `node ${x} to crash or lose the lead`, 20_000),
      );
    case "conf":
      // Not while `x` starts: changes it cannot receive yet only load the machine.
      return answering(cluster, x, crashed).then(() =>
        churnMembers(cluster, churn, null, crashed, `node ${x} to crash during membership changes`),
      );
    case "conf-leader":
      return leadUntilExit(cluster, x, writer, crashed, () =>
        churnMembers(cluster, churn, x, deposed, `node ${x} to crash or lose the lead during membership changes`),
      );
  }
}

async function leads(cluster: LocalCluster, id: number): Promise<boolean> {
  return (await cluster.status(id, 500))?.role === "leader";
}

/**
 * Leader points: makes `x` the leader, then runs `whileLeading` (which returns once `x` died or lost
 * the lead); if `x` lost it, hands over again.
 */
async function leadUntilExit(
  cluster: LocalCluster,
  x: number,
  writer: AckingWriter,
  crashed: () => boolean,
  whileLeading: () => Promise<unknown>,
): Promise<void> {
  while (!crashed()) {
    await writer.pause();
    try {
      const lead = await waitUntil(() => currentLeader(cluster, cluster.ids), "a leader", 20_000);
      if (lead.id !== x) await handOver(cluster, lead.id, x, crashed);
    } finally {
      writer.resume();
    }
    await whileLeading();
  }
}

/** The membership changes of one run: the spare learner's address, and what was acknowledged. */
interface Churn {
  readonly spare: MemberAddress;
  /** The last change acknowledged (its index, and the configuration the leader then reported). */
  last: MembersChanged | null;
  acked: number;
}

/**
 * Membership changes until `done()`: the spare learner is added if it is not a member, removed if it
 * is, through node `via` (null: whichever leads). A POST does not follow a redirect, so only that
 * node proposes; one refused, busy or unanswered is left to the next round, which rereads the
 * configuration.
 */
async function churnMembers(
  cluster: LocalCluster,
  churn: Churn,
  via: number | null,
  done: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const { spare } = churn;
  const change = async (): Promise<void> => {
    const id = via ?? (await currentLeader(cluster, cluster.ids))?.id;
    if (id === undefined) return;
    const m = await cluster.client(id).members({ timeoutMs: 2000 });
    // Only a leader with no change in progress takes one.
    if (m.leader !== id || !m.committed) return;
    const body: MembersChangeBody = m.members.some((s) => s.id === spare.id)
      ? { op: "remove", id: spare.id }
      : { op: "add-learner", id: spare.id, client: clientUrlOf(spare), peer: peerUrlOf(spare) };
    const res = await cluster
      .client(id)
      .send("POST", "/admin/members", { body: JSON.stringify(body), timeoutMs: 3000 });
    if (res.status !== 200) return;
    churn.last = JSON.parse(res.body) as MembersChanged;
    churn.acked++;
  };
  await waitUntil(
    async () => {
      if (await done()) return true;
      await change().catch(() => undefined);
      return done();
    },
    what,
    CRASH_TIMEOUT_MS,
  );
}

/**
 * Every node holds the configuration the leader reports committed, and it is no older than the last
 * acknowledged change (or is that change). A node's `confIndex` is its configuration entry's, or
 * the snapshot's it restored the configuration from: only "at least" compares across nodes.
 */
async function expectOneConfiguration(cluster: LocalCluster, leader: number, churn: Churn): Promise<void> {
  const final = await waitUntil(
    async () => {
      const m = await cluster.client(leader).members({ timeoutMs: 2000 });
      return m.committed && m;
    },
    `leader ${leader} to report its configuration committed`,
    20_000,
  );
  const last = churn.last;
  if (last !== null) {
    expect(final.confIndex, "the last acknowledged membership change is kept").toBeGreaterThanOrEqual(last.index);
    if (final.confIndex === last.index) expect(final.members).toEqual(last.members.members);
  }
  for (const id of cluster.ids) {
    // It applied up to the leader's commit index already; the wait only covers a change in flight.
    let seen: readonly MemberInfo[] | null = null;
    await waitUntil(
      async () => {
        seen = (await cluster.client(id).members({ timeoutMs: 2000 })).members;
        return isDeepStrictEqual(seen, final.members);
      },
      `node ${id} to hold the leader's configuration`,
      20_000,
    ).catch(() => undefined);
    expect(seen, `node ${id}'s configuration`).toEqual(final.members);
  }
}

/**
 * Moves the lead from `from` to `x` with no election race, so the handover takes one election
 * whatever the load: once `x` has caught up, the third node `y` is cut off from the leader and one
 * write commits without it, so `y`'s log is behind and `x` never grants it a vote; then the leader's
 * outgoing links are cut, and `x` is the only node that can win (`y` grants it once it has stopped
 * hearing from the leader). Returns early if `from` loses the lead or `x` dies on the way (it may
 * have led, and replied, already); the caller checks which and retries.
 */
async function handOver(cluster: LocalCluster, from: number, x: number, crashed: () => boolean): Promise<void> {
  const y = cluster.ids.find((id) => id !== from && id !== x)!;
  const caughtUp = await waitUntil(
    async () => {
      const [l, s] = await Promise.all([cluster.status(from, 500), cluster.status(x, 500)]);
      if (l?.role !== "leader" || crashed()) return "lost";
      return s !== null && s.lastIndex >= l.lastIndex && s.appliedIndex >= l.commitIndex && "yes";
    },
    `node ${x} to catch up with leader ${from}`,
    20_000,
  );
  if (caughtUp === "lost") return;
  await links(cluster, from, { to: [y], partitioned: true });
  try {
    const written = await waitUntil(
      async () => {
        // Not redirected: the write must go through `from` itself.
        const res = await cluster
          .client(from)
          .send("PUT", `/kv/handover-${x}-${Date.now()}`, { body: "x", timeoutMs: 3000 })
          .catch(() => null);
        if (res?.status === 204) return "yes";
        return (crashed() || !(await leads(cluster, from))) && "lost";
      },
      `a write through leader ${from} that node ${y} does not see`,
      20_000,
    );
    if (written === "lost") return;
    await links(cluster, from, { partitioned: true });
    await waitUntil(
      async () => crashed() || (await currentLeader(cluster, [x])),
      `node ${x} to win the election`,
      20_000,
    );
  } finally {
    await links(cluster, from, { partitioned: false });
  }
}

async function describeNodes(cluster: LocalCluster): Promise<string> {
  const all = await Promise.all(cluster.ids.map((id) => cluster.status(id, 500)));
  return all
    .map((s, i) =>
      s
        ? `${s.id}:${s.role} t${s.term} last ${s.lastIndex} commit ${s.commitIndex} applied ${s.appliedIndex}`
        : `${i + 1}:down`,
    )
    .join("; ");
}

/** Reads every acknowledged key through the leader, a few at a time. */
async function expectAllAcked(leaderUrl: string, acked: ReadonlyMap<string, string>): Promise<void> {
  const keys = [...acked.keys()];
  const missing: string[] = [];
  const worker = async (): Promise<void> => {
    for (let k = keys.pop(); k !== undefined; k = keys.pop()) {
      const got = await new NodeClient(leaderUrl).get(k, { timeoutMs: 5000 }).catch((err: Error) => err.message);
      if (got !== acked.get(k)) missing.push(`${k} → ${got?.slice(0, 80) ?? "404"}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(missing, `acknowledged writes lost`).toEqual([]);
}
