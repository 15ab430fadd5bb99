import { spawnSync } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { initialConf } from "../../src/core/membership.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import { encodeMessages } from "../../src/transport/codec.ts";
import { handshakeHeaders } from "../../src/transport/peer-auth.ts";
import { PEER_PATH, type PeerTransport } from "../../src/transport/peer-transport.ts";
import { waitUntil } from "../support/wait.ts";
import { freePort } from "./free-port.ts";
import { message } from "./messages.ts";
import { HOST, type TransportNode, transportNodes, url } from "./transport-node.ts";

const open: PeerTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

type Node = TransportNode;

const node = transportNodes(open);

/** Starts n transports, every one a peer of every other. */
async function cluster(n: number): Promise<Node[]> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const nodes = ports.map((port, i) =>
    node(i + 1, port, Object.fromEntries(ports.flatMap((p, j) => (j === i ? [] : [[j + 1, p]])))),
  );
  await Promise.all(nodes.map((x) => x.t.start()));
  await waitUntil(
    () => nodes.every((x) => x.t.stats().peers.every((p) => p.connected && p.inbound)),
    "a fully connected cluster",
  );
  return nodes;
}

const app = (from: number, to: number, index: number): Message =>
  message({
    type: MessageType.App,
    from,
    to,
    term: 2,
    index,
    logTerm: 2,
    entries: [{ index: index + 1, term: 2, data: Uint8Array.of(from, to, index & 0xff) }],
  });

describe("PeerTransport", () => {
  it("takes a peer added at run time: dials it, accepts its connection, and follows it to a new address", async () => {
    const [pa, pb, pc] = await Promise.all([freePort(), freePort(), freePort()]);
    const a = node(1, pa!, {});
    const b = node(2, pb!, { 1: pa! });
    await Promise.all([a.t.start(), b.t.start()]);
    a.t.send([app(1, 2, 1)]);
    // Unknown to node 1: not sent, and node 2's connection is refused.
    await waitUntil(() => b.t.stats().refusedByPeer > 0, "node 2 refused by node 1");
    expect(a.t.stats().droppedUnroutable).toBe(1);
    a.t.setPeer(2, url(pb!));
    await waitUntil(() => a.t.stats().peers.some((p) => p.id === 2 && p.connected && p.inbound), "both ways up");
    a.t.send([app(1, 2, 2)]);
    b.t.send([app(2, 1, 3)]);
    await waitUntil(() => b.received().length === 1 && a.received().length === 1, "one message each way");
    expect(b.received()[0]!.index).toBe(2);
    // Node 2 comes back on another port: node 1 follows it there.
    await b.t.close();
    const moved = node(2, pc!, { 1: pa! });
    await moved.t.start();
    a.t.setPeer(2, url(pc!));
    await waitUntil(() => a.t.stats().peers.some((p) => p.id === 2 && p.connected), "reconnected at the new port");
    a.t.send([app(1, 2, 4)]);
    await waitUntil(() => moved.received().length === 1, "delivered at the new address");
    expect(a.t.stats().peers.filter((p) => p.id === 2)).toHaveLength(1);
  });

  it("exchanges messages both ways between three nodes", async () => {
    const nodes = await cluster(3);
    for (const from of nodes) {
      const id = nodes.indexOf(from) + 1;
      from.t.send(nodes.flatMap((_, j) => (j + 1 === id ? [] : [app(id, j + 1, 10 * id)])));
    }
    await waitUntil(() => nodes.every((x) => x.received().length === 2), "two messages at every node");
    for (const [i, x] of nodes.entries()) {
      const got = x.received().sort((a, b) => a.from - b.from);
      const senders = [1, 2, 3].filter((id) => id !== i + 1);
      expect(got.map((m) => m.from)).toEqual(senders);
      for (const m of got) {
        expect(m.to).toBe(i + 1);
        expect(Array.from(m.entries[0]!.data)).toEqual([m.from, i + 1, 10 * m.from]);
      }
    }
  });

  it("coalesces everything sent in one event-loop turn into one frame", async () => {
    const [a, b] = await cluster(2);
    const before = a!.t.stats().sentFrames;
    for (let i = 0; i < 100; i++) a!.t.send([app(1, 2, i)]);
    await waitUntil(() => b!.received().length === 100, "100 messages");
    expect(a!.t.stats().sentFrames - before).toBe(1);
    expect(b!.batches.map((x) => x.length)).toEqual([100]);
    expect(b!.received().map((m) => m.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it("splits a batch larger than maxFrameBytes into several frames, in order", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = node(1, pa, { 2: pb }, { maxFrameBytes: 4096 });
    const b = node(2, pb, { 1: pa });
    await Promise.all([a.t.start(), b.t.start()]);
    await waitUntil(() => a.t.stats().peers[0]!.connected, "a connected to b");
    const big = (i: number): Message =>
      message({
        type: MessageType.App,
        from: 1,
        to: 2,
        index: i,
        entries: [{ index: i + 1, term: 1, data: new Uint8Array(1000) }],
      });
    a.t.send(Array.from({ length: 20 }, (_, i) => big(i)));
    await waitUntil(() => b.received().length === 20, "20 messages");
    expect(b.batches.length).toBeGreaterThan(1);
    expect(b.received().map((m) => m.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("refuses a peer with the wrong cluster id or an unknown id, and counts it", async () => {
    const [p1, p9, pw] = [await freePort(), await freePort(), await freePort()];
    const server = node(1, p1, { 2: await freePort() });
    await server.t.start();
    const stranger = node(9, p9, { 1: p1 });
    const otherCluster = node(2, pw, { 1: p1 }, { clusterId: "another-cluster" });
    await Promise.all([stranger.t.start(), otherCluster.t.start()]);
    await waitUntil(
      () => stranger.t.stats().refusedByPeer > 0 && otherCluster.t.stats().refusedByPeer > 0,
      "both dialers refused",
    );
    expect(server.t.stats().refusedHandshakes).toBeGreaterThanOrEqual(2);
    expect(server.t.stats().peers[0]!.inbound).toBe(false);
    expect(stranger.t.stats().peers[0]!.connected).toBe(false);
    stranger.t.send([app(9, 1, 1)]);
    otherCluster.t.send([app(2, 1, 1)]);
    expect(server.received()).toEqual([]);
  });

  it("keeps sending to live peers while one is down, and reconnects when it comes up", async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const n1 = node(1, p1, { 2: p2, 3: p3 }, { reconnectMaxMs: 100 });
    const n2 = node(2, p2, { 1: p1, 3: p3 });
    await Promise.all([n1.t.start(), n2.t.start()]);
    await waitUntil(() => n1.t.stats().peers.find((p) => p.id === 2)!.connected, "1 connected to 2");
    for (let i = 0; i < 5; i++) n1.t.send([app(1, 3, i), app(1, 2, i)]);
    await waitUntil(() => n2.received().length === 5, "node 2 served while node 3 is down");
    const n3 = node(3, p3, { 1: p1, 2: p2 });
    await n3.t.start();
    await waitUntil(() => n1.t.stats().peers.find((p) => p.id === 3)!.connected, "1 reconnected to 3");
    n1.t.send([app(1, 3, 99)]);
    await waitUntil(() => n3.received().some((m) => m.index === 99), "node 3 receives after reconnecting");
    // Sent while 3 was down: dropped and counted, not delivered late.
    expect(n1.t.stats().droppedDisconnected).toBe(5);
    expect(n3.received().map((m) => m.index)).toEqual([99]);
  });

  it("bounds a peer's queue while its connection is not up, dropping and counting the excess", async () => {
    // A peer that accepts TCP but never answers the WebSocket handshake: the dial stays pending.
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, HOST, r));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const n1 = node(1, await freePort(), { 2: silentPort }, { maxQueueBytes: 1000 });
      await n1.t.start();
      await waitUntil(() => sockets.length === 1, "the dial to reach the silent peer");
      for (let i = 0; i < 100; i++) n1.t.send([app(1, 2, i)]);
      const { droppedQueueFull, peers } = n1.t.stats();
      expect(peers[0]!.queuedMessages).toBeGreaterThan(0);
      expect(peers[0]!.queuedMessages + droppedQueueFull).toBe(100);
      expect(droppedQueueFull).toBeGreaterThan(80);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("delivers a single message larger than maxQueueBytes on an empty queue, and again after a reconnect", async () => {
    // The bound limits the backlog, not one message: an AppendEntries with one large entry (or its
    // retry) must never be dropped for its size alone.
    const [pa, pb] = [await freePort(), await freePort()];
    const a = node(1, pa, { 2: pb }, { maxQueueBytes: 64 * 1024, reconnectMaxMs: 100 });
    const b = node(2, pb, { 1: pa });
    await Promise.all([a.t.start(), b.t.start()]);
    await waitUntil(() => a.t.stats().peers[0]!.connected, "a connected to b");
    const large = (i: number): Message =>
      message({
        type: MessageType.App,
        from: 1,
        to: 2,
        index: i,
        entries: [{ index: i + 1, term: 1, data: new Uint8Array(256 * 1024).fill(i) }],
      });
    a.t.send([large(1)]);
    await waitUntil(() => b.received().length === 1, "the large message");
    expect(b.received()[0]!.entries[0]!.data).toEqual(new Uint8Array(256 * 1024).fill(1));

    // b restarts on the same port: a reconnects, and the retry of the same large message gets through.
    await b.t.close();
    await waitUntil(() => !a.t.stats().peers[0]!.connected, "a notices b is gone");
    const b2 = node(2, pb, { 1: pa });
    await b2.t.start();
    await waitUntil(() => a.t.stats().peers[0]!.connected, "a reconnected to b");
    a.t.send([large(2)]);
    await waitUntil(() => b2.received().length === 1, "the large message after the reconnect");
    expect(b2.received()[0]!.index).toBe(2);
    expect(a.t.stats().droppedQueueFull).toBe(0);
  });

  it("streams a snapshot larger than maxQueueBytes in chunks and delivers it whole, once", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = node(1, pa, { 2: pb }, { maxQueueBytes: 64 * 1024 });
    const b = node(2, pb, { 1: pa });
    await Promise.all([a.t.start(), b.t.start()]);
    await waitUntil(() => a.t.stats().peers[0]!.connected, "a connected to b");
    const data = new Uint8Array(5 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
    const snap = message({
      type: MessageType.Snap,
      from: 1,
      to: 2,
      term: 3,
      snapshot: { meta: { index: 500, term: 3, conf: initialConf([1, 2]) }, data },
    });
    a.t.send([snap]);
    // The core re-sends a snapshot it has no answer for; a copy sent while one streams is not restarted.
    a.t.send([snap]);
    await waitUntil(() => b.received().length === 1, "the snapshot");
    const got = b.received()[0]!;
    expect(got.type).toBe(MessageType.Snap);
    expect(got.term).toBe(3);
    expect(got.snapshot!.meta).toEqual({ index: 500, term: 3, conf: initialConf([1, 2]) });
    expect(Buffer.compare(got.snapshot!.data, data)).toBe(0);
    a.t.send([message({ type: MessageType.Heartbeat, from: 1, to: 2, term: 3 })]);
    await waitUntil(() => b.received().length === 2, "a heartbeat after it");
    expect(b.received().filter((m) => m.type === MessageType.Snap)).toHaveLength(1);
    const sent = a.t.stats();
    expect(sent.snapshotChunksSent).toBe(6); // 5 MiB + 123 bytes in chunks of under 1 MiB each
    expect(sent.snapshotsSent).toBe(1);
    expect(sent.snapshotsBusy).toBe(1);
    expect(b.t.stats().snapshotsReceived).toBe(1);
  });

  it("drops and counts frames that do not decode or are not from the connected peer", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const n1 = node(1, p1, { 2: p2, 3: await freePort() });
    await n1.t.start();
    const headers = await handshakeHeaders(url(p1), { clusterId: "test-cluster", secret: null }, 2, 1, 5000);
    const raw = new WebSocket(`${url(p1)}${PEER_PATH}`, { headers });
    await new Promise((resolve, reject) => raw.once("open", resolve).once("error", reject));
    raw.send(Uint8Array.of(1, 2, 3));
    raw.send(encodeMessages([app(3, 1, 1)])); // claims to be node 3 on node 2's connection
    raw.send(encodeMessages([app(2, 7, 1)])); // not addressed to node 1
    raw.send(encodeMessages([app(2, 1, 42)]));
    await waitUntil(() => n1.received().length === 1, "the one good frame");
    expect(n1.received()[0]!.index).toBe(42);
    expect(n1.t.stats().badFrames).toBe(3);
    raw.terminate();
  });

  it("drops messages on a partitioned link and resumes when healed", async () => {
    const [a, b, c] = await cluster(3);
    a!.t.setLinks({ partitioned: true }, [2]);
    a!.t.send([app(1, 2, 1), app(1, 3, 1)]);
    a!.t.setLinks({ partitioned: false }, [2]);
    a!.t.send([app(1, 2, 2)]);
    await waitUntil(() => b!.received().length > 0 && c!.received().length > 0, "deliveries");
    expect(b!.received().map((m) => m.index)).toEqual([2]);
    expect(a!.t.stats().droppedPartition).toBe(1);
    expect(a!.t.links().links["2"]!.partitioned).toBe(false);
  });

  it("rejects start() with a clear message when the port is taken", async () => {
    const port = await freePort();
    await node(1, port, { 2: await freePort() }).t.start();
    await expect(node(1, port, { 2: await freePort() }).t.start()).rejects.toThrow(
      /node 1: cannot listen on 127\.0\.0\.1:\d+: the port is in use/,
    );
  });

  it("lets the process exit after close()", () => {
    // Two transports exchange a heartbeat, one more is left pending in a 1 s link delay, then both
    // close: the process must exit on its own, long before the spawn timeout.
    const script = `
      import { PeerTransport } from "./src/transport/peer-transport.ts";
      let got = 0;
      const mk = (id, port, peer) => new PeerTransport({ selfId: id, clusterId: "c", host: "127.0.0.1", port,
        peers: new Map([[id === 1 ? 2 : 1, "ws://127.0.0.1:" + peer]]), onMessages: () => got++ });
      const heartbeat = { type: 7, from: 2, to: 1, term: 1, logTerm: 0, index: 0, entries: [], commit: 0,
        reject: false, rejectHint: 0, hintTerm: 0, ctx: 0, snapshot: null };
      const a = mk(1, 0, 0);
      await a.start();
      const b = mk(2, 0, a.port());
      await b.start();
      while (!b.stats().peers[0].connected) await new Promise((r) => setTimeout(r, 5));
      b.send([heartbeat]);
      while (got === 0) await new Promise((r) => setTimeout(r, 5));
      b.setLinks({ delayMs: 1000 });
      b.send([heartbeat]);
      await Promise.all([a.close(), b.close()]);
      console.log("closed");
    `;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: new URL("../..", import.meta.url),
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("closed");
    expect(run.status).toBe(0);
  });
});
