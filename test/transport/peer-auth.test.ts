// Peer authentication on real sockets: a dialer must answer the server's challenge with an HMAC of
// the shared secret; everything else is refused with one answer that names nothing, and no frame is
// accepted from a connection that did not authenticate.

import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { type Message, MessageType } from "../../src/core/types.ts";
import { encodeMessages } from "../../src/transport/codec.ts";
import {
  CHALLENGE_PATH,
  FROM_HEADER,
  handshakeHeaders,
  handshakeProof,
  NONCE_HEADER,
  PROOF_HEADER,
} from "../../src/transport/peer-auth.ts";
import type { PeerTransport, PeerTransportOptions } from "../../src/transport/peer-transport.ts";
import { type Dialed, dialPeer } from "../support/peer-dial.ts";
import { waitUntil } from "../support/wait.ts";
import { freePort } from "./free-port.ts";
import { message } from "./messages.ts";
import { HOST, type TransportNode, transportNodes, url } from "./transport-node.ts";

const CLUSTER = "secret-cluster-name";
const SECRET = "0123456789abcdef0123456789abcdef";

const open: PeerTransport[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

type Node = TransportNode;

const node = transportNodes(open, { clusterId: CLUSTER, secret: SECRET, reconnectMaxMs: 100 });

/** Two connected nodes, 1 and 2. */
async function pair(extra: Partial<PeerTransportOptions> = {}): Promise<[Node, Node, number]> {
  const [p1, p2] = [await freePort(), await freePort()];
  const a = node(1, p1, { 2: p2 }, extra);
  const b = node(2, p2, { 1: p1 }, extra);
  await Promise.all([a.t.start(), b.t.start()]);
  await waitUntil(
    () => a.t.stats().peers[0]!.connected && b.t.stats().peers[0]!.connected,
    "1 and 2 connected both ways",
  );
  return [a, b, p1];
}

const app = (from: number, to: number, index: number, term = 2): Message =>
  message({
    type: MessageType.App,
    from,
    to,
    term,
    index,
    logTerm: term,
    entries: [{ index: index + 1, term, data: Uint8Array.of(index & 0xff) }],
  });

/** A raw dial of the peer server on `port`; an opened socket is closed after the test. */
async function rawDial(port: number, headers: Record<string, string>, query = ""): Promise<Dialed> {
  const r = await dialPeer(url(port), headers, query);
  if ("ws" in r) sockets.push(r.ws);
  return r;
}

describe("peer authentication", () => {
  it("connects peers that share the secret", async () => {
    const [a, b] = await pair();
    a.t.send([app(1, 2, 7)]);
    await waitUntil(() => b.received().length === 1, "the message");
    expect(b.received()[0]!.index).toBe(7);
  });

  it("refuses a dialer with the wrong secret, and counts it on both sides", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const server = node(1, p1, { 2: p2 });
    const impostor = node(2, p2, { 1: p1 }, { secret: "not-the-cluster-secret-at-all!!!" });
    await Promise.all([server.t.start(), impostor.t.start()]);
    await waitUntil(() => impostor.t.stats().refusedByPeer >= 2, "two refused dials");
    expect(server.t.stats().refusedHandshakes).toBeGreaterThanOrEqual(2);
    expect(server.t.stats().peers[0]!.inbound).toBe(false);
    impostor.t.send([app(2, 1, 1)]);
    expect(server.received()).toEqual([]);
  });

  it("refuses every failed handshake with the same answer, which names no cluster id", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const server = node(1, p1, { 2: p2 });
    await server.t.start();
    const good = { clusterId: CLUSTER, secret: SECRET };
    const attempts: Record<string, () => Promise<Dialed>> = {
      "no headers, old query": () => rawDial(p1, {}, `?cluster=${CLUSTER}&from=2`),
      "wrong cluster id": async () =>
        rawDial(p1, await handshakeHeaders(url(p1), { ...good, clusterId: "other" }, 2, 1, 5000)),
      "wrong secret": async () =>
        rawDial(p1, await handshakeHeaders(url(p1), { ...good, secret: "wrong" }, 2, 1, 5000)),
      "no secret": async () => rawDial(p1, await handshakeHeaders(url(p1), { ...good, secret: null }, 2, 1, 5000)),
      "unknown peer id": async () => rawDial(p1, await handshakeHeaders(url(p1), good, 9, 1, 5000)),
      "proof for another node": async () => rawDial(p1, await handshakeHeaders(url(p1), good, 2, 3, 5000)),
      "made-up nonce": () =>
        rawDial(p1, {
          [FROM_HEADER]: "2",
          [NONCE_HEADER]: "ab".repeat(32),
          [PROOF_HEADER]: handshakeProof(good, 2, 1, "ab".repeat(32)),
        }),
    };
    const answers = new Set<string>();
    for (const [what, attempt] of Object.entries(attempts)) {
      const r = await attempt();
      if ("ws" in r) throw new Error(`${what}: the handshake was accepted`);
      expect(r.body, what).not.toContain(CLUSTER);
      answers.add(`${r.status} ${r.body}`);
    }
    expect([...answers]).toEqual(["403 peer handshake refused"]);
    expect(server.t.stats().refusedHandshakes).toBe(Object.keys(attempts).length);
  });

  it("refuses a handshake replayed on another connection", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const server = node(1, p1, { 2: p2 });
    await server.t.start();
    const headers = await handshakeHeaders(url(p1), { clusterId: CLUSTER, secret: SECRET }, 2, 1, 5000);
    const first = await rawDial(p1, headers);
    expect("ws" in first).toBe(true);
    const replayed = await rawDial(p1, headers);
    expect(replayed).toEqual({ status: 403, body: "peer handshake refused" });
    // The replay did not take the proven connection's place: its frames still arrive.
    (first as { ws: WebSocket }).ws.send(encodeMessages([app(2, 1, 5)]));
    await waitUntil(() => server.received().length === 1, "a frame on the proven connection");
  });

  it("accepts no frame of any size from a connection that did not authenticate", async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const server = node(1, p1, { 2: p2 });
    await server.t.start();
    const r = await rawDial(p1, {}, `?cluster=${CLUSTER}&from=2`);
    if ("ws" in r) {
      // The old handshake let it in: a 1 MiB frame and a term-9 heartbeat get through.
      r.ws.send(new Uint8Array(1 << 20));
      r.ws.send(encodeMessages([app(2, 1, 1, 9)]));
      await waitUntil(() => server.t.stats().receivedFrames === 2, "the frames to arrive");
    }
    expect(server.t.stats().receivedBytes).toBe(0);
    expect(server.received()).toEqual([]);
  });

  it("keeps a pre-authentication request tiny: an oversized handshake or challenge request is refused", async () => {
    const [, , p1] = await pair();
    const huge = await rawDial(p1, {
      [FROM_HEADER]: "2",
      [NONCE_HEADER]: "ab".repeat(32),
      [PROOF_HEADER]: "0".repeat(64 * 1024),
    }).catch((err: Error) => err);
    expect(huge).not.toHaveProperty("ws");
    const posted = await fetch(`http://${HOST}:${p1}${CHALLENGE_PATH}`, {
      method: "POST",
      body: new Uint8Array(1 << 20),
      signal: AbortSignal.timeout(5000),
    }).catch((err: Error) => err);
    expect(posted instanceof Error || posted.status !== 200).toBe(true);
  });

  it("does not let an unauthenticated connection displace a connected peer", async () => {
    const [a, b, p1] = await pair();
    const connects = b.t.stats().peers[0]!.connects;
    for (let i = 0; i < 3; i++) {
      const r = await rawDial(p1, {}, `?cluster=${CLUSTER}&from=2`);
      if ("ws" in r) r.ws.terminate();
    }
    b.t.send([app(2, 1, 3)]);
    await waitUntil(() => a.received().length === 1, "node 2's message on its own connection");
    expect(b.t.stats().peers[0]!.connects).toBe(connects);
    expect(a.t.stats().peers[0]!.inbound).toBe(true);
  });

  it("lets a proven peer replace its own older connection (a restarted peer whose old socket is half-dead)", async () => {
    const [a, b, p1] = await pair();
    const r = await rawDial(p1, await handshakeHeaders(url(p1), { clusterId: CLUSTER, secret: SECRET }, 2, 1, 5000));
    if (!("ws" in r)) throw new Error(`refused: ${r.status}`);
    r.ws.send(encodeMessages([app(2, 1, 11)]));
    await waitUntil(() => a.received().some((m) => m.index === 11), "a frame on the new connection");
    // Node 2's transport sees its old connection closed and dials again (replacing the test's).
    await waitUntil(
      () => b.t.stats().peers[0]!.connects === 2 && b.t.stats().peers[0]!.connected,
      "node 2 to reconnect",
    );
  });

  it("without a secret on either side, still connects (and checks the cluster id)", async () => {
    const [a, b] = await pair({ secret: null });
    a.t.send([app(1, 2, 1)]);
    await waitUntil(() => b.received().length === 1, "the message");
    const p9 = await freePort();
    const other = node(2, p9, { 1: a.t.port() }, { secret: null, clusterId: "other" });
    await other.t.start();
    await waitUntil(() => other.t.stats().refusedByPeer > 0, "the other cluster's node refused");
  });
});
