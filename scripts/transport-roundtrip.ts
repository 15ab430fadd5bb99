// Ping-pong between two PeerTransports on loopback (one process): round-trip latency of one
// heartbeat, and one-way throughput of App messages carrying one 64-byte entry.
//   node --import tsx scripts/transport-roundtrip.ts [roundTrips=5000]
import { createServer } from "node:net";
import { makeMessage } from "../src/core/message.ts";
import { type Message, MessageType } from "../src/core/types.ts";
import { PeerTransport } from "../src/transport/peer-transport.ts";

const roundTrips = Number(process.argv[2] ?? 5000);

const msg = (from: number, to: number, fields: Partial<Message> = {}): Message =>
  makeMessage({ type: MessageType.Heartbeat, from, to, term: 1, ...fields });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let onA: (msgs: Message[]) => void = () => {};
let onB: (msgs: Message[]) => void = () => {};
const [portA, portB] = [await freePort(), await freePort()];
const transport = (
  selfId: number,
  port: number,
  peer: number,
  peerPort: number,
  on: (m: Message[]) => void,
): PeerTransport =>
  new PeerTransport({
    selfId,
    clusterId: "rt",
    host: "127.0.0.1",
    port,
    peers: new Map([[peer, `ws://127.0.0.1:${peerPort}`]]),
    onMessages: on,
  });
const a = transport(1, portA, 2, portB, (m) => onA(m));
const b = transport(2, portB, 1, portA, (m) => onB(m));
await Promise.all([a.start(), b.start()]);
while (!a.stats().peers[0]!.connected || !b.stats().peers[0]!.connected) await new Promise((r) => setTimeout(r, 5));

onB = (msgs) => b.send(msgs.map((m) => msg(2, 1, { ctx: m.ctx })));
const rtts: number[] = [];
await new Promise<void>((done) => {
  let sent = 0;
  let t0 = 0;
  const ping = (): void => {
    t0 = performance.now();
    a.send([msg(1, 2, { ctx: ++sent })]);
  };
  onA = () => {
    rtts.push((performance.now() - t0) * 1000);
    if (sent < roundTrips) ping();
    else done();
  };
  ping();
});
rtts.sort((x, y) => x - y);
const p = (q: number): string => rtts[Math.floor(q * (rtts.length - 1))]!.toFixed(0);
console.log(`round trip, µs: p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} max ${p(1)} (${roundTrips} sequential)`);

const total = 200_000;
let received = 0;
const entry = { index: 1, term: 1, data: new Uint8Array(64) };
const start = performance.now();
await new Promise<void>((done) => {
  onB = (msgs) => {
    received += msgs.length;
    if (received >= total) done();
  };
  let sent = 0;
  const burst = (): void => {
    for (let i = 0; i < 1000 && sent < total; i++, sent++)
      a.send([msg(1, 2, { type: MessageType.App, index: sent, entries: [entry] })]);
    if (sent < total) setImmediate(burst);
  };
  burst();
});
const secs = (performance.now() - start) / 1000;
const s = a.stats();
console.log(
  `one-way App(1x64B): ${(total / secs).toFixed(0)} msgs/s, ${s.sentFrames} frames for ${s.sentMessages} messages`,
);
await Promise.all([a.close(), b.close()]);
