// The loopback round trip between two nodes over the real peer transport (WebSocket frames, the
// codec, the per-turn flush): an AppendEntries of one bench entry out, its answer back, in sequence.
// Both ends run in this process, so each round trip also pays both ends' handling, as a node does.

import { makeMessage } from "../../src/core/message.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import { reserveBasePort } from "../../src/node/ports.ts";
import { PeerTransport } from "../../src/transport/peer-transport.ts";
import type { Distribution } from "./calibration.ts";
import { timeSteps } from "./distribution.ts";
import { benchEntry } from "./record.ts";

const HOST = "127.0.0.1";
const CONNECT_TIMEOUT_MS = 5000;

export async function measurePeerRtt(samples: number, valueSize: number): Promise<Distribution> {
  const ports = await reserveBasePort(2);
  const data = benchEntry(valueSize);
  let answered: (() => void) | null = null;
  const transport = (self: number, peer: number, onMessages: (msgs: Message[]) => void): PeerTransport =>
    new PeerTransport({
      selfId: self,
      clusterId: "calibrate",
      host: HOST,
      port: ports.base + self - 1,
      peers: new Map([[peer, `ws://${HOST}:${ports.base + peer - 1}`]]),
      onMessages,
    });
  const leader = transport(1, 2, () => answered?.());
  const follower = transport(2, 1, (msgs) => {
    for (const m of msgs) {
      follower.send([makeMessage({ type: MessageType.AppResp, from: 2, to: 1, term: 1, index: m.index + 1 })]);
    }
  });
  try {
    await Promise.all([leader.start(), follower.start()]);
    await connected([leader, follower]);
    let index = 0;
    const roundTrip = (): Promise<void> =>
      new Promise((resolve) => {
        answered = resolve;
        const entries = [{ index: index + 1, term: 1, data }];
        leader.send([makeMessage({ type: MessageType.App, from: 1, to: 2, term: 1, index, logTerm: 1, entries })]);
        index++;
      });
    return await timeSteps(
      samples,
      Math.ceil(samples / 10),
      roundTrip,
      `AppendEntries of one ${data.length}-byte entry and its answer between two PeerTransports on loopback, in sequence`,
    );
  } finally {
    await Promise.all([leader.close(), follower.close()]);
    ports.release();
  }
}

/** Resolves once every transport has its peer connected both ways. */
async function connected(ts: readonly PeerTransport[]): Promise<void> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  while (!ts.every((t) => t.stats().peers.every((p) => p.connected && p.inbound))) {
    if (Date.now() > deadline) throw new Error("the two peer transports did not connect within 5 s on loopback");
    await new Promise((r) => setTimeout(r, 10));
  }
}
