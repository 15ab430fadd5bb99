// An intruder process on a host of its own (run inside a namespace by test/netns/cluster.test.ts):
// it knows every node's addresses and the cluster id, but not the secret. It reads each node's public
// /status, then tries everything it can without the secret: the peer handshake every way as every
// other member, forged Raft frames (as raw bytes, and behind a made-up upgrade), and every admin
// endpoint with no, a guessed, an empty and a wrong kind of token. It changes nothing itself; it
// prints what each attempt got back, as one JSON line (IntruderReport), for the test to judge.
//
// Usage: node --import tsx intruder.ts '{"clusterId": "...", "nodes": [{"id", "client", "peer"}]}'

import type WebSocket from "ws";
import { sendRaw } from "../../faults/support/raw-http.ts";
import { forgedAppend, forgedVote, handshakeAttempts, upgradeWithFrame } from "../../support/peer-attacks.ts";
import { sendFrame } from "../../support/peer-dial.ts";

export interface IntruderTarget {
  readonly clusterId: string;
  readonly nodes: readonly { readonly id: number; readonly client: string; readonly peer: string }[];
}

/** One attempt on node `node` and what came back (`status body`, "accepted", "closed", "silent"). */
export interface Attempt {
  readonly node: number;
  readonly what: string;
  readonly answer: string;
}

export interface IntruderReport {
  /** Nodes whose public /status it could read: it reaches them. */
  readonly reached: number[];
  readonly handshakes: Attempt[];
  readonly frames: Attempt[];
  readonly admin: Attempt[];
}

/** What the admin endpoints would be asked to do: cut every link, change the flags, stall every fsync. */
const ADMIN_CALLS: Record<string, object> = {
  links: { partitioned: true },
  flags: { flags: "none" },
  "fsync-delay": { us: 10_000_000 },
};

/** How long an attempt that gets no answer waits for one. */
const SILENCE_MS = 1000;

const AUTHORIZATIONS: Record<string, string | null> = {
  "no token": null,
  "guessed bearer": "Bearer raftlab-secret-guess",
  "empty bearer": "Bearer ",
  "basic credentials": `Basic ${Buffer.from("admin:admin").toString("base64")}`,
};

async function attack(target: IntruderTarget): Promise<IntruderReport> {
  const report: IntruderReport = { reached: [], handshakes: [], frames: [], admin: [] };
  for (const node of target.nodes) {
    const status = (await (await fetch(`${node.client}/status`)).json()) as { term: number; lastIndex: number };
    report.reached.push(node.id);
    const claimed = target.nodes.filter((n) => n.id !== node.id).map((n) => n.id);
    const append = forgedAppend(status, claimed[0]!, node.id);
    const vote = forgedVote(status, claimed[0]!, node.id);

    for (const from of claimed) {
      for (const [what, dial] of Object.entries(handshakeAttempts(node.peer, target.clusterId, from, node.id))) {
        const r = await dial().catch((err: Error) => ({ status: 0, body: err.message }));
        if ("ws" in r) await sendAndClose(r.ws, [append, vote]);
        report.handshakes.push({ node: node.id, what: `${what} as ${from}`, answer: answerOf(r) });
      }
    }

    const { hostname, port } = new URL(node.peer);
    // A server may sit on bytes that are no HTTP request until its idle timeout: a second of silence
    // (nothing sent back, nothing let in) is the answer then. The attempts run side by side.
    const frames = await Promise.all(
      Object.entries({
        "raw append, no HTTP": append,
        "raw vote, no HTTP": vote,
        "upgrade with a made-up proof, append behind it": upgradeWithFrame(hostname, claimed[0]!, append),
        "upgrade with a made-up proof, vote behind it": upgradeWithFrame(hostname, claimed[0]!, vote),
      }).map(async ([what, bytes]) => {
        const r = await sendRaw(Number(port), bytes, { host: hostname, waitMs: SILENCE_MS });
        return { node: node.id, what, answer: typeof r === "string" ? r : `${r.status} ${r.body}` };
      }),
    );
    report.frames.push(...frames);

    for (const [endpoint, body] of Object.entries(ADMIN_CALLS)) {
      for (const [what, authorization] of Object.entries(AUTHORIZATIONS)) {
        const res = await fetch(`${node.client}/admin/${endpoint}`, {
          method: "POST",
          body: JSON.stringify(body),
          headers: authorization ? { authorization } : {},
          signal: AbortSignal.timeout(5000),
        });
        report.admin.push({ node: node.id, what: `${endpoint}, ${what}`, answer: `${res.status} ${await res.text()}` });
      }
    }
  }
  return report;
}

function answerOf(r: { ws: WebSocket } | { status: number; body: string }): string {
  return "ws" in r ? "accepted" : `${r.status} ${r.body}`;
}

/** Sends the forged frames on a socket that was let in (none should be), then closes it. */
async function sendAndClose(ws: WebSocket, frames: readonly Uint8Array[]): Promise<void> {
  for (const f of frames) await sendFrame(ws, f);
  ws.terminate();
}

const report = await attack(JSON.parse(process.argv[2] ?? "") as IntruderTarget);
process.stdout.write(`${JSON.stringify(report)}\n`);
// Idle keep-alive connections would hold the process for seconds; the report is out (a pipe write is synchronous).
process.exit(0);
