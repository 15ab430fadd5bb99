// The client API under load, on a real node process: a large value streams to slow readers as
// their sockets drain (the node does not copy it per reader), and requests beyond
// --max-inflight-requests are refused at once with 503 "overloaded" while the node stays healthy.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request, startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

const MIB = 1 << 20;
// The largest value a node accepts (--max-value-bytes is capped at 16 MiB).
const VALUE_BYTES = 16 * MIB;
const CAP = 4;

let t: TestCluster;
let base: string;
let port: number;
let value: Buffer;
let digest: string;

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  t = await startCluster(1, "all", ["--max-value-bytes", String(VALUE_BYTES), "--max-inflight-requests", String(CAP)]);
  base = t.cluster.clientUrl(t.leader);
  port = Number(new URL(base).port);
  value = randomBytes(VALUE_BYTES);
  digest = sha256(value);
  const put = await fetch(`${base}/kv/big`, { method: "PUT", body: value, signal: AbortSignal.timeout(60_000) });
  expect(put.status).toBe(204);
}, 90_000);
afterAll(() => t?.stop());

/** Resident memory of the node process, in bytes. */
function nodeRss(): number {
  const status = readFileSync(`/proc/${t.cluster.pid(t.leader)}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

/**
 * A GET of `path` on a raw socket that stops reading once the response head has arrived, until
 * `drain()`; then it reads in small steps, yielding between them, like a slow consumer.
 */
class SlowReader {
  private readonly sock: Socket;
  private chunks: Buffer[] = [];
  private received = 0;
  head: string | null = null;
  private headEnd = -1;
  private done!: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));
  private draining = false;

  constructor(path: string) {
    this.sock = connect(port, "127.0.0.1", () => this.sock.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`));
    this.sock.on("data", (d: Buffer) => this.onData(d));
    this.sock.on("close", () => this.done());
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.received += d.length;
    if (this.head === null) {
      const all = Buffer.concat(this.chunks);
      this.headEnd = all.indexOf("\r\n\r\n");
      if (this.headEnd >= 0) this.head = all.subarray(0, this.headEnd).toString("latin1");
    }
    if (this.head !== null && this.bodyBytes() >= this.contentLength()) return this.finish();
    if (this.head !== null) {
      this.sock.pause();
      if (this.draining) setImmediate(() => this.sock.resume());
    }
  }

  private contentLength(): number {
    return Number(/content-length: (\d+)/i.exec(this.head ?? "")?.[1] ?? Infinity);
  }

  private bodyBytes(): number {
    return this.received - this.headEnd - 4;
  }

  private finish(): void {
    this.sock.destroy();
    this.done();
  }

  drain(): void {
    this.draining = true;
    this.sock.resume();
  }

  body(): Buffer {
    return Buffer.concat(this.chunks).subarray(this.headEnd + 4);
  }

  close(): void {
    this.sock.destroy();
  }
}

describe("client API under load", () => {
  it(`streams a ${VALUE_BYTES / MIB} MiB value to ${CAP} slow readers whole, without a copy per reader`, {
    timeout: 120_000,
  }, async () => {
    // One fast read first: whatever a first read allocates is in the baseline.
    const fast = new Uint8Array(
      await (await fetch(`${base}/kv/big`, { signal: AbortSignal.timeout(60_000) })).arrayBuffer(),
    );
    expect(sha256(fast)).toBe(digest);
    const before = nodeRss();

    const readers = Array.from({ length: CAP }, () => new SlowReader("/kv/big"));
    await waitUntil(() => readers.every((r) => r.head !== null), "every reader to get its response head", 30_000);
    const grown = nodeRss() - before;
    // Buffering the unsent rest for every reader would take about CAP × VALUE_BYTES.
    expect(grown, `node RSS grew ${(grown / MIB).toFixed(1)} MiB`).toBeLessThan(VALUE_BYTES);

    for (const r of readers) r.drain();
    await Promise.all(readers.map((r) => r.finished));
    for (const r of readers) {
      expect(r.head).toMatch(/^HTTP\/1\.1 200 /);
      expect(r.body().length).toBe(VALUE_BYTES);
      expect(sha256(r.body())).toBe(digest);
    }
  });

  it(`beyond ${CAP} requests in flight answers 503 "overloaded" at once, counts them, and recovers`, {
    timeout: 120_000,
  }, async () => {
    const readers = Array.from({ length: CAP }, () => new SlowReader("/kv/big"));
    await waitUntil(() => readers.every((r) => r.head !== null), "every reader to get its response head", 30_000);
    const refusedBefore = await overloadedCount();

    const extra = await Promise.all([
      request(`${base}/kv/big`),
      request(`${base}/kv/small`, { method: "PUT", body: "v" }),
      request(`${base}/kv/small`, { method: "PUT", body: Buffer.alloc(MIB, 1) }),
      request(`${base}/cas/small`, { method: "POST", body: '{"expect":null,"value":"v"}' }),
      request(`${base}/kv/small`, { method: "DELETE" }),
    ]);
    for (const r of extra) {
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body)).toMatchObject({ code: "overloaded", error: expect.any(String) });
    }
    // Health and metrics stay reachable when the node is saturated.
    expect((await request(`${base}/status`)).status).toBe(200);
    expect(await overloadedCount()).toBe(refusedBefore + extra.length);

    for (const r of readers) r.drain();
    await Promise.all(readers.map((r) => r.finished));
    for (const r of readers) expect(sha256(r.body())).toBe(digest);
    // Every slot is free again.
    const after = await Promise.all(
      Array.from({ length: CAP }, (_, i) => request(`${base}/kv/k${i}`, { method: "PUT", body: `v${i}` })),
    );
    expect(after.map((r) => r.status)).toEqual(Array(CAP).fill(204));
    expect((await request(`${base}/kv/k0`)).body).toBe("v0");
  });

  it("frees the slots of readers that go away mid-response", { timeout: 120_000 }, async () => {
    const readers = Array.from({ length: CAP }, () => new SlowReader("/kv/big"));
    await waitUntil(() => readers.every((r) => r.head !== null), "every reader to get its response head", 30_000);
    expect((await request(`${base}/kv/absent`)).status).toBe(503);
    for (const r of readers) r.close();
    await waitUntil(async () => (await request(`${base}/kv/absent`)).status === 404, "a slot to free up", 30_000);
    const after = await Promise.all(Array.from({ length: CAP }, () => request(`${base}/kv/absent`)));
    expect(after.map((r) => r.status)).toEqual(Array(CAP).fill(404));
  });
});

async function overloadedCount(): Promise<number> {
  const text = (await request(`${base}/metrics`)).body;
  const m = /^raftlab_requests_overloaded_total (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}
