// The open loop follows the leader: a 307 moves it to the Location, a 503 or a dead socket to the
// next node; each such request counts as failed. Against small HTTP servers in this process.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LeaderFollower } from "../../bench/load/leader-follower.ts";
import { runOpenLoop } from "../../bench/load/open-loop.ts";
import type { LoadSpec } from "../../bench/load/spec.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A server answering every request with `answer(url)`; counts what it received. */
async function serve(answer: (url: string) => { status: number; location?: string }) {
  const seen = { count: 0 };
  const server = http.createServer((req, res) => {
    seen.count++;
    req.resume();
    req.on("end", () => {
      const a = answer(req.url!);
      res.writeHead(a.status, a.location ? { location: a.location } : {}).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

const spec = (target: string, nodes: string[]): LoadSpec => ({
  target,
  nodes,
  protocol: "raftlab",
  mode: { kind: "open", rate: 200, maxOutstanding: 100 },
  warmupS: 0,
  durationS: 0.5,
  valueSize: 8,
  keys: 0,
  keyDist: "uniform",
  readRatio: 0,
  seed: 1,
});

const hooks = { onMeasureStart: () => {}, onMeasureEnd: () => {} };

describe("open loop following the leader", () => {
  it("follows a 307 to its Location and stays there", async () => {
    const leader = await serve(() => ({ status: 204 }));
    const follower = await serve((url) => ({ status: 307, location: `${leader.url}${url}` }));
    const r = (await runOpenLoop(spec(follower.url, [follower.url, leader.url]), 200, 100, hooks)).result();
    expect(r.errorKinds["status 307"]).toBeGreaterThanOrEqual(1);
    // Only the requests sent before the first redirect came back went to the follower.
    expect(r.errors).toBe(r.errorKinds["status 307"]);
    expect(r.ok).toBeGreaterThan(follower.seen.count * 2);
    expect(leader.seen.count).toBeGreaterThanOrEqual(r.ok);
  });

  it("moves off a dead target and off a node answering 503 to the next node", async () => {
    const dead = await deadUrl();
    const noLeader = await serve(() => ({ status: 503 }));
    const leader = await serve(() => ({ status: 204 }));
    const r = (await runOpenLoop(spec(dead, [dead, noLeader.url, leader.url]), 200, 100, hooks)).result();
    expect(r.errorKinds.socket).toBeGreaterThanOrEqual(1);
    expect(r.errorKinds["status 503"]).toBeGreaterThanOrEqual(1);
    expect(r.errors).toBe(r.errorKinds.socket! + r.errorKinds["status 503"]!);
    expect(r.ok).toBeGreaterThan(r.errors * 2);
    expect(leader.seen.count).toBeGreaterThanOrEqual(r.ok);
  });
});

describe("LeaderFollower", () => {
  it("ignores answers from a node it already left, and cycles when nothing is named", () => {
    const f = new LeaderFollower(["http://a:1", "http://b:2", "http://c:3"], "http://b:2/");
    const b = f.current;
    expect(b.origin).toBe("http://b:2");
    f.moveFrom(b);
    const a = f.current;
    expect(a.origin).toBe("http://a:1");
    f.moveFrom(b); // a late failure from b: still on a
    expect(f.current).toBe(a);
    f.moveFrom(a, "http://c:3/kv/x");
    expect(f.current.origin).toBe("http://c:3");
    f.moveFrom(f.current, "http://elsewhere:9/kv/x"); // unknown Location: the next node
    expect(f.current.origin).toBe("http://b:2");
  });
});
