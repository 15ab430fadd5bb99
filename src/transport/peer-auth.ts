// Peer authentication: a node admits a peer connection only from a dialer that proves it holds the
// cluster's shared secret, without the secret ever crossing the wire.
//
// 1. The dialer asks for a challenge: `GET /raft/challenge` answers a fresh random nonce, which the
//    server keeps for a few seconds and accepts once.
// 2. The dialer opens the WebSocket on `/raft` with the headers `x-raftlab-from: <its id>`,
//    `x-raftlab-nonce` and `x-raftlab-proof: HMAC-SHA256(secret, [cluster id, from, to, nonce])`.
// 3. The server consumes the nonce and upgrades only if the proof matches the one it computes for its
//    own cluster id and node id and a configured peer id. Any failure gets the same `403` and body,
//    which names nothing (no cluster id, no hint which part was wrong); the reason goes to the
//    server's own log.
// The proof binds the nonce (one connection: a recorded handshake cannot be replayed), the recipient
// (it cannot be relayed to another node) and the cluster id. No WebSocket exists before the proof
// is checked, so an unauthenticated client can send no frame at all; what it can send is an HTTP
// request line and headers, which uWS bounds (4 KiB).
//
// Without a secret (`null`, loopback only unless the operator says `--insecure`), the HMAC key is
// empty: the handshake still checks the cluster id and the peer id, but any local process that knows
// them can pass it.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { NodeId } from "../core/types.ts";

export const CHALLENGE_PATH = "/raft/challenge";
export const FROM_HEADER = "x-raftlab-from";
export const NONCE_HEADER = "x-raftlab-nonce";
export const PROOF_HEADER = "x-raftlab-proof";
/** The one answer to every refused handshake. */
export const REFUSAL_BODY = "peer handshake refused";

const NONCE_BYTES = 32;
const NONCE_PATTERN = /^[0-9a-f]{64}$/;

export interface PeerCredentials {
  readonly clusterId: string;
  /** The cluster's shared secret; null: none (the HMAC key is empty). */
  readonly secret: string | null;
}

/** The dialer's proof for a handshake with `to`, as lowercase hex. */
export function handshakeProof(creds: PeerCredentials, from: NodeId, to: NodeId, nonce: string): string {
  // JSON keeps the fields unambiguous whatever the cluster id contains.
  return createHmac("sha256", creds.secret ?? "")
    .update(JSON.stringify(["raftlab-peer-v1", creds.clusterId, from, to, nonce]))
    .digest("hex");
}

/** Compares two strings in time that depends only on their lengths, never on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  // Comparing x with itself keeps the time of a length mismatch the same as a full comparison.
  return timingSafeEqual(x, x.length === y.length ? y : x) && x.length === y.length;
}

/**
 * Fetches a challenge from the peer server at `baseUrl` (`ws://host:port`) and answers it: the headers
 * of the WebSocket upgrade that authenticates `from` to `to`. Rejects if the server does not answer a
 * well-formed challenge within `timeoutMs`.
 */
export function handshakeHeaders(
  baseUrl: string,
  creds: PeerCredentials,
  from: NodeId,
  to: NodeId,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const target = new URL(CHALLENGE_PATH, baseUrl.replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    // No keep-alive agent: the connection must not outlive this request (or the transport).
    const req = http.get(target, { agent: false, timeout: timeoutMs, ...(signal ? { signal } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length <= 2 * NONCE_BYTES) body += chunk;
      });
      res.on("end", () => {
        if (res.statusCode !== 200 || !NONCE_PATTERN.test(body)) {
          reject(new Error(`no challenge from ${target.host} (${res.statusCode})`));
          return;
        }
        resolve({
          [FROM_HEADER]: String(from),
          [NONCE_HEADER]: body,
          [PROOF_HEADER]: handshakeProof(creds, from, to, body),
        });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no challenge from ${target.host} within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** What the server reads off an upgrade request. */
export interface HandshakeClaim {
  readonly from: string;
  readonly nonce: string;
  readonly proof: string;
}

/** The server side: issues single-use nonces and checks proofs against them. */
export class ChallengeBook {
  /** Outstanding nonce → when it expires (ms, monotonic). Insertion order is age order. */
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly creds: PeerCredentials,
    private readonly selfId: NodeId,
    private readonly isPeer: (id: NodeId) => boolean,
    private readonly ttlMs = 10_000,
    /** Bounds the memory a client requesting challenges without using them can take. */
    private readonly maxOutstanding = 256,
    private readonly now: () => number = () => performance.now(),
  ) {}

  issue(): string {
    const now = this.now();
    for (const [nonce, expires] of this.nonces) {
      if (expires > now && this.nonces.size < this.maxOutstanding) break;
      this.nonces.delete(nonce);
    }
    const nonce = randomBytes(NONCE_BYTES).toString("hex");
    this.nonces.set(nonce, now + this.ttlMs);
    return nonce;
  }

  /**
   * The peer id a claim authenticates, or a reason to refuse it (for the server's log only). The
   * nonce is spent either way: one challenge, one attempt.
   */
  verify(claim: HandshakeClaim): NodeId | { refused: string } {
    const expires = this.nonces.get(claim.nonce);
    const fresh = expires !== undefined && expires > this.now();
    if (expires !== undefined) this.nonces.delete(claim.nonce);
    const from = /^[1-9]\d{0,8}$/.test(claim.from) ? Number(claim.from) : 0;
    // The proof is computed and compared whatever else failed, so the time taken does not say what.
    const expected = handshakeProof(this.creds, from, this.selfId, claim.nonce);
    const proven = constantTimeEqual(expected, claim.proof);
    if (!fresh) return { refused: "unknown, used or expired challenge" };
    if (from === 0 || !this.isPeer(from))
      return { refused: `"${claim.from.slice(0, 20)}" is not a configured peer id` };
    if (!proven) return { refused: `node ${from} gave a wrong proof (a different secret or cluster id)` };
    return from;
  }
}
