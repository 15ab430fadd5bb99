// The load generator process against a plain HTTP server in this process: what it counts, what it
// times, and what it sends.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionGroups } from "../../bench/load/closed-loop.ts";
import { Loadgen } from "../../bench/load/loadgen.ts";
import { staleReaders } from "../../bench/load/reader-split.ts";
import type { LoadSpec } from "../../bench/load/spec.ts";

let server: http.Server;
let target = "";
let delayMs = 0;
/** When set, every request is answered with this status. */
let failStatus = 0;
const seen: { method: string; url: string }[] = [];
/** The bodies of the requests seen, as text. */
const bodies: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url! });
    let body = "";
    req.setEncoding("latin1");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => void bodies.push(body));
    req.on("end", () =>
      setTimeout(() => res.writeHead(failStatus || (req.method === "GET" ? 404 : 204)).end(), delayMs),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const base = (): Omit<LoadSpec, "mode"> => ({
  target,
  protocol: "raftlab",
  warmupS: 0.3,
  durationS: 1,
  valueSize: 16,
  keys: 0,
  keyDist: "uniform",
  readRatio: 0,
  seed: 1,
});

describe("load generator process", () => {
  const loadgen = new Loadgen();
  afterAll(() => loadgen.close());

  it("closed loop: distinct keys, reads and writes, 404 reads are answers, warm-up excluded", async () => {
    seen.length = 0;
    bodies.length = 0;
    delayMs = 0;
    const events: string[] = [];
    const r = await loadgen.run(
      { ...base(), readRatio: 0.5, mode: { kind: "closed", connections: 4 } },
      { onMeasureStart: () => void events.push("start"), onMeasureEnd: () => void events.push("end") },
    );
    expect(events).toEqual(["start", "end"]);
    expect(r.errors).toBe(0);
    expect(r.ok).toBeGreaterThan(50);
    // The warm-up's requests are not counted.
    expect(r.requests).toBeLessThan(seen.length);
    expect(r.windowS).toBeGreaterThan(0.9);
    const { p50, p99, max } = r.latency.latencyMs;
    expect(0 < p50 && p50 <= p99 && p99 <= max).toBe(true);
    const puts = seen.filter((s) => s.method === "PUT");
    const gets = seen.filter((s) => s.method === "GET");
    expect(puts.length).toBeGreaterThan(seen.length * 0.3);
    expect(gets.length).toBeGreaterThan(seen.length * 0.3);
    expect(new Set(seen.map((s) => s.url)).size).toBe(seen.length);
    expect(seen.every((s) => s.url.startsWith("/kv/"))).toBe(true);
    // Every write carries the configured value (the server parsed it by its Content-Length); reads none.
    expect(new Set(bodies)).toEqual(new Set(["x".repeat(16), ""]));
    expect(bodies.filter((b) => b !== "")).toHaveLength(puts.length);
    expect(r.cpu).toBeGreaterThan(0);
    expect(r.elu).toBeGreaterThan(0);
    // The reads are also counted and timed on their own; leader reads carry no ?stale=1.
    expect(r.reads!.ok).toBeGreaterThan(r.ok * 0.3);
    expect(r.reads!.ok).toBeLessThan(r.ok * 0.7);
    expect(r.reads!.throughput).toBeCloseTo(r.reads!.ok / r.windowS);
    expect(r.reads!.latency.latencyMs.p50).toBeGreaterThan(0);
    expect(gets.some((s) => s.url.includes("stale"))).toBe(false);
  });

  it("a load without reads reports no reads' figures", async () => {
    const r = await loadgen.run(
      { ...base(), mode: { kind: "closed", connections: 2 } },
      { onMeasureStart() {}, onMeasureEnd() {} },
    );
    expect(r.ok).toBeGreaterThan(0);
    expect(r.reads).toBeUndefined();
  });

  it("open loop: latency runs from the intended start, and requests over the bound are counted late", async () => {
    delayMs = 40;
    const r = await loadgen.run(
      { ...base(), mode: { kind: "open", rate: 200, maxOutstanding: 2 } },
      { onMeasureStart() {}, onMeasureEnd() {} },
    );
    // 2 in flight at 40 ms each serve at most ~50/s of the 200/s offered: the rest are shed.
    expect(r.errorKinds.late).toBeGreaterThan(r.ok);
    expect(r.ok).toBeGreaterThan(10);
    expect(r.latency.latencyMs.p50).toBeGreaterThanOrEqual(40);
  });

  it("counts error statuses as errors (etcd's gateway requests)", async () => {
    delayMs = 0;
    failStatus = 503;
    try {
      const r = await loadgen.run(
        { ...base(), protocol: "etcd", mode: { kind: "closed", connections: 2 } },
        { onMeasureStart() {}, onMeasureEnd() {} },
      );
      expect(r.ok).toBe(0);
      expect(r.errors).toBe(r.requests);
      expect(r.errorKinds["status 503"]).toBe(r.errors);
      expect(seen.at(-1)).toEqual({ method: "POST", url: "/v3/kv/put" });
      expect(JSON.parse(bodies.at(-1)!)).toEqual({
        key: expect.any(String),
        value: Buffer.alloc(16, "x").toString("base64"),
      });
    } finally {
      failStatus = 0;
    }
  });
});

describe("stale reads", () => {
  it("split a closed loop's connections in the read ratio, at least one writer and one reader", () => {
    expect([0, 0.1, 0.5, 0.9, 0.99, 1].map((r) => staleReaders(32, r))).toEqual([0, 3, 16, 29, 31, 32]);
    expect([0.01, 0.99].map((r) => staleReaders(2, r))).toEqual([1, 1]);
    const spec: LoadSpec = {
      ...base(),
      target: "http://n1:1",
      nodes: ["http://n1:1", "http://n2:1", "http://n3:1"],
      readRatio: 0.75,
      mode: { kind: "closed", connections: 8 },
    };
    const groups = (s: LoadSpec) =>
      connectionGroups(s, 8).map((g) => ({
        urls: g.urls,
        connections: g.connections,
        reads: Array.from({ length: 200 }, g.isRead).filter(Boolean).length,
      }));
    expect(groups({ ...spec, staleReads: true })).toEqual([
      { urls: ["http://n1:1"], connections: 2, reads: 0 },
      { urls: spec.nodes, connections: 6, reads: 200 },
    ]);
    // Leader reads: every connection on the leader, each request drawn.
    const [leader, ...none] = groups(spec);
    expect(none).toEqual([]);
    expect(leader!.urls).toEqual(["http://n1:1"]);
    expect(leader!.reads).toBeGreaterThan(120);
    expect(leader!.reads).toBeLessThan(180);
  });

  /** Three "nodes", each recording what it was sent; node 0 plays the leader. */
  const nodes: { server: http.Server; url: string; seen: { method: string; url: string }[] }[] = [];
  const loadgen = new Loadgen();
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const seen: { method: string; url: string }[] = [];
      const server = http.createServer((req, res) => {
        seen.push({ method: req.method!, url: req.url! });
        req.resume();
        req.on("end", () => res.writeHead(req.method === "GET" ? 200 : 204).end());
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      nodes.push({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen });
    }
  });
  afterAll(async () => {
    await loadgen.close();
    for (const n of nodes) {
      n.server.closeAllConnections();
      await new Promise((r) => n.server.close(r));
    }
  });

  it.each([
    ["closed loop: writers on the leader, readers over every node", { kind: "closed", connections: 4 }],
    ["open loop: each read to the next node, writes to the leader", { kind: "open", rate: 300, maxOutstanding: 1000 }],
  ] as const)("%s", async (_name, mode) => {
    for (const n of nodes) n.seen.length = 0;
    const r = await loadgen.run(
      { ...base(), target: nodes[0]!.url, nodes: nodes.map((n) => n.url), readRatio: 0.75, staleReads: true, mode },
      { onMeasureStart() {}, onMeasureEnd() {} },
    );
    expect(r.errorKinds).toEqual({});
    expect(r.reads!.ok).toBeGreaterThan(r.ok * 0.5);
    expect(r.reads!.ok).toBeLessThan(r.ok);
    // Every node got stale reads, and only the leader got writes.
    for (const [i, n] of nodes.entries()) {
      const gets = n.seen.filter((s) => s.method === "GET");
      expect(gets.length, `reads on node ${i}`).toBeGreaterThan(10);
      expect(gets.every((s) => s.url.startsWith("/kv/") && s.url.endsWith("?stale=1"))).toBe(true);
      expect(
        n.seen.some((s) => s.method === "PUT"),
        `writes on node ${i}`,
      ).toBe(i === 0);
    }
  });
});
