// What an outsider without the cluster's secret can try on a node's peer port: every way into the
// handshake, and the frames a lying leader or candidate would send once in (or send anyway, right
// behind a made-up handshake). Shared by the intruder on loopback (test/faults/peer-intruder.test.ts)
// and the one on a namespace host of its own (test/netns/).

import { randomBytes } from "node:crypto";
import { MessageType } from "../../src/core/types.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import { encodeMessages } from "../../src/transport/codec.ts";
import {
  FROM_HEADER,
  handshakeHeaders,
  NONCE_HEADER,
  type PeerCredentials,
  PROOF_HEADER,
} from "../../src/transport/peer-auth.ts";
import { PEER_PATH } from "../../src/transport/peer-transport.ts";
import { message } from "../transport/messages.ts";
import { type Dialed, dialPeer } from "./peer-dial.ts";

/** How far above the victim's term the forged messages claim to be. */
export const FORGED_TERM_STEP = 100;
/** The key a forged entry would write. */
export const INJECTED_KEY = "injected";

/** Every way in that an outsider without the secret has, as peer `from` of node `to` at `peerUrl`. */
export function handshakeAttempts(
  peerUrl: string,
  clusterId: string,
  from: number,
  to: number,
): Record<string, () => Promise<Dialed>> {
  const guess = (secret: string | null): PeerCredentials => ({ clusterId, secret });
  return {
    "plain query": () => dialPeer(peerUrl, {}, `?cluster=${clusterId}&from=${from}`),
    "plain query, wrong cluster": () => dialPeer(peerUrl, {}, `?cluster=guess&from=${from}`),
    "challenge, no secret": async () => dialPeer(peerUrl, await handshakeHeaders(peerUrl, guess(null), from, to, 5000)),
    "challenge, guessed secret": async () =>
      dialPeer(peerUrl, await handshakeHeaders(peerUrl, guess("raftlab-secret-guess"), from, to, 5000)),
  };
}

/** What `to`'s leader would send to make it append and commit `put injected` at a far higher term. */
export function forgedAppend(victim: { term: number; lastIndex: number }, from: number, to: number): Uint8Array {
  const term = victim.term + FORGED_TERM_STEP;
  return encodeMessages([
    message({
      type: MessageType.App,
      from,
      to,
      term,
      index: victim.lastIndex,
      logTerm: victim.term,
      commit: victim.lastIndex + 1,
      entries: [
        {
          index: victim.lastIndex + 1,
          term,
          data: encodeCommand({ op: "put", key: INJECTED_KEY, value: new Uint8Array([1]) }),
        },
      ],
    }),
  ]);
}

/** A candidate's vote request at a far higher term with a log far ahead: granting it deposes the leader. */
export function forgedVote(victim: { term: number; lastIndex: number }, from: number, to: number): Uint8Array {
  return encodeMessages([
    message({
      type: MessageType.Vote,
      from,
      to,
      term: victim.term + FORGED_TERM_STEP,
      index: victim.lastIndex + FORGED_TERM_STEP,
      logTerm: victim.term + FORGED_TERM_STEP,
    }),
  ]);
}

/**
 * One TCP write: a WebSocket upgrade of the peer path with a made-up proof as peer `from`, and right
 * behind it a WebSocket frame carrying `frame`, as if the upgrade had been accepted.
 */
export function upgradeWithFrame(host: string, from: number, frame: Uint8Array): Uint8Array {
  const request =
    `GET ${PEER_PATH} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
    `${FROM_HEADER}: ${from}\r\n${NONCE_HEADER}: ${"0".repeat(64)}\r\n${PROOF_HEADER}: ${"0".repeat(64)}\r\n\r\n`;
  return Buffer.concat([Buffer.from(request, "latin1"), maskedBinaryFrame(frame)]);
}

/** A client's WebSocket binary frame (FIN, masked, as RFC 6455 requires of a client) of under 64 KiB. */
function maskedBinaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  if (n >= 65536) throw new RangeError(`a frame of ${n} bytes needs a 64-bit length; not needed here`);
  const mask = randomBytes(4);
  const head = n < 126 ? Buffer.from([0x82, 0x80 | n]) : Buffer.from([0x82, 0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}
