// Three nodes on three hosts (network namespaces on a bridge, test/support/netns-hosts.ts), each
// started with `raftlab node --cluster FILE --id N` from one cluster file that names their addresses
// and the shared secret. From the root namespace, as from another machine: the cluster elects a
// leader and serves writes and reads. An intruder on a fourth host, without the secret, can neither
// join the peer mesh nor inject a frame nor use /admin; every refusal is the same few words, and
// nothing in the cluster's state changes.

import type { ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REMOTE_SKIPS } from "../../src/chaos/stages.ts";
import { main } from "../../src/cli/main.ts";
import { NodeClient } from "../../src/node/api-client.ts";
import type { NodeStatus } from "../../src/node/api-types.ts";
import { clientUrlOf, memberUrl } from "../../src/node/cluster-file.ts";
import { nodeEntry } from "../../src/node/local-cluster.ts";
import { captureOutput } from "../support/capture.ts";
import { CLIENT_PORT, type NetnsCluster, startNetnsCluster } from "../support/netns-cluster.ts";
import { netnsUnavailable } from "../support/netns-hosts.ts";
import { INJECTED_KEY } from "../support/peer-attacks.ts";
import { transportCounter } from "../support/prometheus-text.ts";
import { waitUntil } from "../support/wait.ts";
import type { IntruderReport, IntruderTarget } from "./support/intruder.ts";

const unavailable = netnsUnavailable();
const CLUSTER_ID = "netns-test-5c1e";
const INTRUDER = fileURLToPath(new URL("./support/intruder.ts", import.meta.url));
const HANDSHAKE_REFUSAL = "403 peer handshake refused";
const ADMIN_REFUSAL = `401 ${JSON.stringify({ error: "missing or wrong admin bearer token" })}`;

let c: NetnsCluster;

/** Every node's status, each retried until it answers. */
const statuses = (): Promise<NodeStatus[]> =>
  Promise.all(c.cluster.ids.map((id) => waitUntil(() => c.cluster.status(id, 5000), `node ${id}'s status`)));

/** What must not change while the intruder tries its luck. */
const settled = (s: NodeStatus) => ({
  id: s.id,
  role: s.role,
  term: s.term,
  leader: s.leader,
  commitIndex: s.commitIndex,
  lastIndex: s.lastIndex,
  members: s.members,
  flags: s.flags,
});

/** Waits until every node has applied the leader's last entry: no write or election under way. */
async function quiet(): Promise<NodeStatus[]> {
  return waitUntil(
    async () => {
      const all = await statuses();
      const leader = all.find((s) => s.role === "leader");
      return leader && all.every((s) => s.appliedIndex === leader.lastIndex && s.leader === leader.id) ? all : null;
    },
    "every node to apply the leader's log",
    30_000,
  );
}

/** Runs `argv` on the spare host to its end; its stdout. */
function runOnSpareHost(argv: readonly string[]): Promise<string> {
  const child: ChildProcess = c.net.spawn(c.spare[0]!, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`)))),
  );
}

/** Runs a raftlab command in this process (the root namespace); its exit status and output. */
async function run(argv: string[]): Promise<{ code: number; text: string }> {
  const io = captureOutput();
  try {
    const code = await main(argv);
    return { code, text: [...io.out, ...io.err].join("") };
  } finally {
    vi.restoreAllMocks();
  }
}

/** The cluster's secret file, beside its cluster file. */
const secretPath = (): string => path.join(c.dir, "cluster.secret");
const DNS_CLIENT_PORT = 7002;
const DNS_PEER_PORT = 7102;

/** A bench --target run's one cell: measured where the cluster runs, with load from `worker` if given. */
function benchRun(code: number, text: string, worker: string | null): void {
  expect(code, text).toBe(0);
  const report = /report: (.+)\/index\.html\n/.exec(text)![1]!;
  const results = JSON.parse(readFileSync(path.join(report, "results.json"), "utf8"));
  expect(results.cells).toHaveLength(1);
  const [cell] = results.cells;
  expect([cell.status, cell.flags]).toEqual(["ok", "batch+pipeline+parallel-append+async-apply"]);
  expect(cell.throughput).toBeGreaterThan(0);
  expect(cell.topology).toMatchObject({
    target: c.clusterFile,
    nodes: c.net.hosts.slice(0, 3).map((h) => memberUrl("http", h.address, CLIENT_PORT)),
  });
  expect(c.cluster.ids).toContain(cell.topology.leader);
  expect(cell.topology.rttMs).toBeGreaterThan(0);
  if (worker === null) expect(cell.loadWorkers).toBeUndefined();
  else {
    expect(cell.loadWorkers.map((w: { url: string }) => w.url)).toEqual([worker]);
    expect(cell.loadWorkers[0].ok).toBeGreaterThan(0);
  }
}

describe.skipIf(unavailable !== null)(
  `a cluster on three namespace hosts${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  () => {
    beforeAll(async () => {
      // Elections take 600-1200 ms, as in the bench: a busy machine must not depose a leader mid-test.
      c = startNetnsCluster(3, {
        spareHosts: 1,
        nodeArgs: ["--admin", "--cluster-id", CLUSTER_ID, "--election-ticks", "40"],
      });
      await c.cluster.waitForLeader(30_000);
    });
    afterAll(async () => {
      await c?.stop();
    });

    it("elects a leader and serves writes and reads from the root namespace", async () => {
      const all = await statuses();
      expect(all.map((s) => [s.clientUrl, s.members])).toEqual(
        c.net.hosts.slice(0, 3).map((h) => [memberUrl("http", h.address, CLIENT_PORT), [1, 2, 3]]),
      );
      const leader = await c.cluster.waitForLeader(10_000);
      const follower = c.cluster.ids.find((id) => id !== leader)!;
      // Through a follower: its 307 names the leader's address on its own host. A follower that has not
      // heard from the new leader yet answers 503 no_leader: ask again until it knows.
      await waitUntil(
        async () => (await c.cluster.client(follower).put("greeting", "hello from the root namespace"), true),
        "a write through a follower",
        20_000,
      );
      for (const id of c.cluster.ids) {
        expect(await c.cluster.client(id).get("greeting")).toBe("hello from the root namespace");
        await waitUntil(
          async () => (await c.cluster.client(id).get("greeting", { stale: true })) !== null,
          `node ${id} to apply the write`,
        );
      }
    });

    it("refuses an intruder on a fourth host, saying nothing, and nothing changes", async () => {
      const before = await quiet();
      const refusedBefore = await Promise.all(
        c.cluster.ids.map((id) => transportCounter(c.cluster.client(id), "refusedHandshakes")),
      );
      const target: IntruderTarget = {
        clusterId: CLUSTER_ID,
        nodes: c.cluster.access.spec.nodes.map((m) => ({
          id: m.id,
          client: clientUrlOf(m),
          peer: memberUrl("ws", m.host, m.peerPort),
        })),
      };
      const out = await runOnSpareHost([process.execPath, "--import", "tsx", INTRUDER, JSON.stringify(target)]);
      const report = JSON.parse(out) as IntruderReport;

      expect(report.reached, "the intruder reaches every node").toEqual([1, 2, 3]);
      expect(report.handshakes).toHaveLength(3 * 2 * 4);
      expect([...new Set(report.handshakes.map((a) => a.answer))]).toEqual([HANDSHAKE_REFUSAL]);
      // Frames without a handshake are never read as Raft messages: bytes that are no HTTP get no
      // answer at all, and a frame behind a made-up upgrade gets the refusal (the socket never opens).
      for (const a of report.frames) {
        if (a.what.startsWith("raw")) expect(["silent", "closed"], `${a.what} to node ${a.node}`).toContain(a.answer);
        else expect(a.answer, `${a.what} to node ${a.node}`).toBe(HANDSHAKE_REFUSAL);
      }
      expect(report.frames).toHaveLength(3 * 4);
      expect(report.admin).toHaveLength(3 * 3 * 4);
      expect([...new Set(report.admin.map((a) => a.answer))]).toEqual([ADMIN_REFUSAL]);
      expect(out).not.toContain(CLUSTER_ID);

      // Every refused upgrade reached the node and was counted there.
      const refused = await Promise.all(
        c.cluster.ids.map((id) => transportCounter(c.cluster.client(id), "refusedHandshakes")),
      );
      const upgrades = (id: number): number =>
        [...report.handshakes, ...report.frames].filter((a) => a.node === id && a.answer === HANDSHAKE_REFUSAL).length;
      expect(refused.map((n, i) => n - refusedBefore[i]!)).toEqual(c.cluster.ids.map(upgrades));

      expect((await statuses()).map(settled)).toEqual(before.map(settled));
      for (const id of c.cluster.ids) {
        expect(await c.cluster.client(id).get(INJECTED_KEY, { stale: true }), `${INJECTED_KEY} on node ${id}`).toBe(
          null,
        );
      }
      // Links and disks as they were: a write still commits on every node at once.
      await c.cluster.client(1).put("after-intruder", "1", { timeoutMs: 5000 });
    });

    it("chaos --target cuts and slows links through /admin, skips kills and pauses saying so, and judges the run", async () => {
      const out = path.join(c.dir, "chaos");
      // Seed 9 plans, in 3 s, the leader isolated and then every link lossy, and two hand-overs.
      const { code, text } = await run([
        "chaos",
        "--target",
        c.clusterFile,
        "--duration",
        "3",
        "--seed",
        "9",
        "--out",
        out,
      ]);
      expect(text).toContain(`chaos: against the running cluster of ${c.clusterFile}; skipped: ${REMOTE_SKIPS}\n`);
      // The lanes run side by side, so the kinds are listed in the order they happened.
      expect(text).toMatch(/ 4 faults \([^)]*\), \d of 2 hand-overs completed, linearizable \(checker \d+ ms\) PASS\n/);
      expect(code).toBe(0);
      const [runDir] = readdirSync(out);
      const summary = JSON.parse(readFileSync(path.join(out, runDir!, "summary.json"), "utf8"));
      expect(summary).toMatchObject({
        target: c.clusterFile,
        skipped: REMOTE_SKIPS,
        nodes: 3,
        outcome: "pass",
        verdict: "linearizable",
        faultKinds: { "isolate-leader": 1, loss: 1, "transfer-leader": 2 },
      });
      expect(summary.acknowledgedWrites).toBeGreaterThan(0);
      // Healed: every node takes a write again.
      await c.cluster.client(1).put("after-chaos", "1", { timeoutMs: 10_000 });
    });

    it("bench --target measures the cluster with load from a worker on another host", async () => {
      const worker = c.net.spawn(
        c.spare[0]!,
        [
          process.execPath,
          nodeEntry(),
          "loadgen",
          "--listen",
          `${c.spare[0]!.address}:0`,
          "--secret-file",
          secretPath(),
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      let said = "";
      worker.stdout!.on("data", (b: Buffer) => (said += b.toString()));
      try {
        const url = await waitUntil(
          () => /listening on (http:\S+)/.exec(said)?.[1],
          "the load worker to listen",
          30_000,
        );
        const out = path.join(c.dir, "bench-loadgen");
        const { code, text } = await run([
          ...["bench", "--target", c.clusterFile, "--flags", "all", "--connections", "8", "--reps", "1"],
          ...["--warmup", "0.5", "--duration", "2", "--out", out, "--loadgen", url],
        ]);
        benchRun(code, text, url);
      } finally {
        worker.kill("SIGKILL");
      }
    });

    it("forms a cluster from DNS names in each host's hosts file (--cluster-from-dns)", async () => {
      // `ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts: the hosts resolve the names.
      const hosts = c.net.hosts.slice(0, 3);
      const names = hosts.map((h, k) => `${h.address} raftlab-${k}.raftlab.test`);
      const dirs = hosts.map((h) => path.join("/etc/netns", h.name));
      const nodes: ChildProcess[] = [];
      try {
        for (const d of dirs) {
          mkdirSync(d, { recursive: true });
          writeFileSync(path.join(d, "hosts"), `127.0.0.1 localhost\n${names.join("\n")}\n`);
        }
        const urls = hosts.map((h) => memberUrl("http", h.address, DNS_CLIENT_PORT));
        for (const [k, host] of hosts.entries()) {
          const argv = [process.execPath, nodeEntry(), "node", "--cluster-from-dns", "raftlab.test:3"];
          const options = ["--pod-name", `raftlab-${k}`, "--host", host.address, "--secret-file", secretPath()];
          const ports = ["--client-port", String(DNS_CLIENT_PORT), "--peer-port", String(DNS_PEER_PORT)];
          const data = ["--data-dir", path.join(c.dir, `dns-${k}`), "--exit-with-parent"];
          nodes.push(
            c.net.spawn(host, [...argv, ...options, ...ports, ...data], {
              stdio: ["ignore", "ignore", "ignore", "ipc"],
            }),
          );
        }
        // Straight to the leader by address: its redirects name members the root namespace cannot resolve.
        const leader = await waitUntil(
          async () => {
            const all = await Promise.all(urls.map((u) => new NodeClient(u).status({ timeoutMs: 2000 })));
            const lead = all.find((st) => st.role === "leader");
            return lead && all.every((st) => st.leader === lead.id) ? lead.id : null;
          },
          "the DNS-named nodes to agree on a leader",
          30_000,
        );
        const client = new NodeClient(urls[leader - 1]!);
        await waitUntil(async () => (await client.put("by-dns", "yes"), true), "a write by DNS names", 20_000);
        expect(await client.get("by-dns")).toBe("yes");
      } finally {
        for (const n of nodes) n.kill("SIGKILL");
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    }, 60_000);

    it("bench --target measures the cluster from the root namespace and records where it ran", async () => {
      const out = path.join(c.dir, "bench");
      const { code, text } = await run([
        ...["bench", "--target", c.clusterFile, "--flags", "all", "--connections", "8", "--reps", "1"],
        ...["--warmup", "0.5", "--duration", "2", "--out", out],
      ]);
      benchRun(code, text, null);
    });

    it("chaos --target with the wrong secret stops at once, saying which secret to give", async () => {
      const file = path.join(c.dir, "wrong-secret.yaml");
      writeFileSync(path.join(c.dir, "wrong.secret"), `${"f".repeat(64)}\n`);
      writeFileSync(file, readFileSync(c.clusterFile, "utf8").replace("cluster.secret", "wrong.secret"));
      const { code, text } = await run(["chaos", "--target", file, "--duration", "1", "--out", path.join(c.dir, "x")]);
      expect(code).toBe(1);
      expect(text).toMatch(
        /run aborted: node \d \(http:\/\/10\.77\.\d+\.1\d:7001\) refused the admin token: the cluster file's secretFile must hold the nodes' secret/,
      );
    });
  },
);
