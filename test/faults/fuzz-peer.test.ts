// Property-based fuzzing of the peer protocol on a real cluster: nodes 1 and 2 of a 3-node
// cluster run; the test dials node 1's peer port as the absent node 3 (authenticated with the
// cluster's secret, as in peer-auth.ts) and sends batches of random bytes, truncated and bit-flipped frames,
// well-formed frames with the wrong sender or recipient, and well-formed messages of every type
// with stale terms and arbitrary indexes; it also tries handshakes from unknown ids, other
// clusters and dialers without the secret. Properties: node 1 never dies (same pid), every undecodable or misaddressed frame is
// counted in raftlab_transport{counter="badFrames"} on /metrics, refused handshakes are counted,
// and the cluster still commits a write after every batch.
// Replay: RAFTLAB_FUZZ_SEED=<seed printed below>.

import { rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { parseFlags } from "../../src/core/flags.ts";
import type { Message } from "../../src/core/types.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { readSecretFile } from "../../src/node/secret-file.ts";
import { CodecError, decodeMessages, encodeMessages } from "../../src/transport/codec.ts";
import { handshakeHeaders, type PeerCredentials } from "../../src/transport/peer-auth.ts";
import { freeBasePort, put } from "../support/cluster.ts";
import { dialPeer, sendFrame } from "../support/peer-dial.ts";
import { transportCounter } from "../support/prometheus-text.ts";
import { waitUntil } from "../support/wait.ts";
import { arbMessage } from "../transport/messages.ts";

const SEED = Number(process.env.RAFTLAB_FUZZ_SEED ?? Date.now() % 2 ** 31);
const BATCH = 25;
const RUNS = 100;
const TARGET = 1;
const IMPOSTOR = 3;

interface Frame {
  readonly bytes: Uint8Array;
  readonly what: string;
}

let cluster: LocalCluster;
let pid: number;
let exits: string[];
let term = 1;
let framesSent = 0;
let handshakesTried = 0;
let creds: PeerCredentials;

const peerUrl = (id: number): string => `ws://127.0.0.1:${cluster.o.basePort + 100 + id - 1}`;

/** A stale-term variant of a random message, addressed correctly from the impostor. */
const arbStale: fc.Arbitrary<Message> = fc.tuple(arbMessage, fc.nat()).map(([m, t]) => ({
  ...m,
  from: IMPOSTOR,
  to: TARGET,
  term: term > 1 ? 1 + (t % (term - 1)) : 0,
  entries: m.entries.filter((e) => e.term < term),
  snapshot: m.snapshot && {
    ...m.snapshot,
    meta: { ...m.snapshot.meta, term: Math.min(m.snapshot.meta.term, Math.max(0, term - 1)) },
  },
}));

const arbFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ bytes: b, what: "random bytes" })),
  fc
    .tuple(fc.array(arbMessage, { minLength: 1, maxLength: 3 }), fc.double({ min: 0, max: 0.999, noNaN: true }))
    .map(([msgs, cut]) => {
      const full = encodeMessages(msgs.map((m) => ({ ...m, from: IMPOSTOR, to: TARGET, term: 0 })));
      const bytes = full.subarray(0, Math.floor(full.length * cut));
      return { bytes, what: `truncated to ${bytes.length} of ${full.length}` };
    }),
  fc.tuple(arbStale, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([m, at, xor]) => {
    const bytes = encodeMessages([m]).slice();
    bytes[at % bytes.length]! ^= xor;
    return { bytes, what: "bit-flipped" };
  }),
  fc.tuple(arbMessage, fc.constantFrom<"to" | "from">("to", "from")).map(([m, wrong]) => {
    const msg = { ...m, from: wrong === "from" ? 2 : IMPOSTOR, to: wrong === "to" ? 2 : TARGET, term: 0 };
    return { bytes: encodeMessages([msg]), what: `wrong ${wrong}` };
  }),
  fc
    .array(arbStale, { minLength: 1, maxLength: 4 })
    .map((msgs) => ({ bytes: encodeMessages(msgs), what: "stale-term messages" })),
);

/**
 * How node 1 must take `bytes`: "bad" (undecodable or misaddressed: dropped and counted), "stale"
 * (delivered; every term is below the current one, so Raft ignores it), or "current" — a
 * well-formed message in the current term or later from a member that is down, i.e. a lying peer,
 * which Raft's crash-fault model does not cover: such frames are not sent.
 */
function verdict(bytes: Uint8Array): "bad" | "stale" | "current" {
  let msgs: Message[];
  try {
    msgs = decodeMessages(bytes);
  } catch (err) {
    if (err instanceof CodecError) return "bad";
    throw err;
  }
  if (msgs.some((m) => m.to !== TARGET || m.from !== IMPOSTOR)) return "bad";
  return msgs.every((m) => m.term < term) ? "stale" : "current";
}

const metric = (counter: string): Promise<number> => transportCounter(cluster.client(TARGET), counter);

/** Dials node 1 as `from` with these credentials (none: no handshake headers at all). */
async function dial(from: number, creds: PeerCredentials | null): Promise<WebSocket | number> {
  handshakesTried++;
  const headers = creds === null ? {} : await handshakeHeaders(peerUrl(TARGET), creds, from, TARGET, 5000);
  const r = await dialPeer(peerUrl(TARGET), headers);
  return "ws" in r ? r.ws : r.status;
}

async function healthyWrite(n: number): Promise<void> {
  expect(exits).toEqual([]);
  expect((await cluster.status(TARGET, 5000))?.pid).toBe(pid);
  // Stale messages may still cost a leader its lease checks; give an election time to finish.
  await waitUntil(
    async () => (await put(cluster.clientUrl(TARGET), `peer-fuzz-${n}`, `v${n}`)).status === 204,
    `write ${n} to commit`,
    10_000,
  );
}

beforeAll(async () => {
  console.log(`fuzz-peer seed ${SEED} (replay with RAFTLAB_FUZZ_SEED=${SEED})`);
  exits = [];
  cluster = new LocalCluster({
    nodes: 3,
    flags: parseFlags("all"),
    basePort: await freeBasePort(3),
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
    onExit: (id, code, signal) => exits.push(`node ${id} exited (code ${code}, signal ${signal})`),
  });
  cluster.startNode(1);
  cluster.startNode(2);
  await cluster.waitForLeader(20_000, [1, 2]);
  pid = cluster.pid(TARGET)!;
  creds = { clusterId: "raftlab", secret: readSecretFile(cluster.secretFile!) };
});
afterAll(async () => {
  console.log(`fuzz-peer: ${framesSent} frames sent, ${handshakesTried} handshakes tried`);
  await cluster?.stop();
  if (cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
});

describe("peer protocol fuzzing", () => {
  it("refuses handshakes from unknown ids, other clusters and dialers without the secret, and counts them", async () => {
    const before = await metric("refusedHandshakes");
    const tries: [string, number, PeerCredentials | null][] = [
      ["unknown id", 9, creds],
      ["other cluster", IMPOSTOR, { ...creds, clusterId: "other" }],
      ["node 1 itself", 1, creds],
      ["wrong secret", IMPOSTOR, { ...creds, secret: "x".repeat(64) }],
      ["no secret", IMPOSTOR, { ...creds, secret: null }],
      ["no handshake", IMPOSTOR, null],
    ];
    for (const [what, from, c] of tries) expect(await dial(from, c), what).toBe(403);
    expect(await metric("refusedHandshakes")).toBe(before + tries.length);
    await healthyWrite(-1);
  });

  it(`survives ${RUNS * BATCH} malformed frames from a peer, counting each bad one`, { timeout: 120_000 }, async () => {
    let batchNo = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbFrame, { minLength: BATCH, maxLength: BATCH }), async (frames) => {
        term = (await cluster.status(TARGET, 5000))!.term;
        const ws = await dial(IMPOSTOR, creds);
        if (typeof ws === "number") throw new Error(`handshake as node ${IMPOSTOR} refused: ${ws}`);
        const before = await metric("badFrames");
        const verdicts = frames.map((f) => verdict(f.bytes));
        const sendable = frames.filter((_, i) => verdicts[i] !== "current");
        for (const f of sendable) await sendFrame(ws, f.bytes);
        framesSent += sendable.length;
        const expected = verdicts.filter((v) => v === "bad").length;
        // Frames are handled in order, so a status request answered after them sees their counts.
        await waitUntil(
          async () => (await metric("badFrames")) >= before + expected,
          `${expected} bad frames counted`,
          10_000,
        );
        expect(await metric("badFrames")).toBe(before + expected);
        ws.terminate();
        await healthyWrite(batchNo++);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
