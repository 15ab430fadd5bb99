// Bad client input gets a 4xx with a JSON error and never crashes the node; asserted on status and body.

import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RequestInit, request, startCluster, type TestCluster } from "../support/cluster.ts";

let t: TestCluster;
let leader: string;
beforeAll(async () => {
  t = await startCluster(1, "all", ["--max-value-bytes", "1024", "--max-key-bytes", "64"]);
  leader = t.cluster.clientUrl(t.leader);
});
afterAll(() => t?.stop());

async function expectError(status: number, pattern: RegExp, url: string, init: RequestInit = {}): Promise<void> {
  const r = await request(url, init);
  expect(r.status, `${init.method ?? "GET"} ${url}: ${r.body}`).toBe(status);
  const body = JSON.parse(r.body) as { error: string };
  expect(body.error).toMatch(pattern);
}

/**
 * Sends raw bytes on a fresh connection and returns the status line, "closed", or "silent" when the
 * server neither answers nor closes within `waitMs` (uWS waits for more bytes on some garbage).
 */
function raw(text: string, endAfterWrite = false, waitMs = 1000): Promise<string> {
  const port = Number(new URL(leader).port);
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1", () => {
      sock.write(text);
      if (endAfterWrite) sock.end();
    });
    const timer = setTimeout(() => {
      resolve("silent");
      sock.destroy();
    }, waitMs);
    sock.on("close", () => clearTimeout(timer));
    let data = "";
    sock.on("data", (d) => {
      data += d.toString();
      if (data.includes("\r\n")) {
        resolve(data.split("\r\n")[0]!);
        sock.destroy();
      }
    });
    sock.on("close", () => resolve(data.split("\r\n")[0] || "closed"));
    sock.on("error", () => resolve("closed"));
  });
}

/** A PUT through node:http, which writes the whole body before it reads (unlike curl or fetch). */
function nodeHttpPut(url: string, body: Buffer, declared: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "PUT", headers: declared ? { "content-length": body.length } : {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
    // Chunked: several writes, as a streaming upload would make them.
    if (declared) req.end(body);
    else {
      for (let off = 0; off < body.length; off += 1 << 20) req.write(body.subarray(off, off + (1 << 20)));
      req.end();
    }
  });
}

describe("client API input errors", () => {
  it("rejects an empty key", () => expectError(400, /empty/, `${leader}/kv/`, { method: "PUT", body: "x" }));
  it("rejects an oversized key", () =>
    expectError(400, /limit is 64/, `${leader}/kv/${"k".repeat(65)}`, { method: "PUT", body: "x" }));
  it("rejects a key that is not valid percent-encoding", () =>
    expectError(400, /percent-encoded/, `${leader}/kv/%E0%A4%A`));
  it("rejects a body over --max-value-bytes", () =>
    expectError(413, /limit/, `${leader}/kv/big`, { method: "PUT", body: "x".repeat(1025) }));
  it.each([
    ["with a content-length", true],
    ["chunked", false],
  ])("answers Node's http client a 413 with its JSON while it is still sending the body (%s)", async (_, declared) => {
    const body = Buffer.alloc(8 << 20, 120); // far more than the socket buffers take before the answer
    const r = await nodeHttpPut(`${leader}/kv/big`, body, declared);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: expect.stringMatching(/limit of 1024 bytes|limit is 1024/) });
  });
  it("rejects malformed CAS JSON", () =>
    expectError(400, /not valid JSON/, `${leader}/cas/c`, { method: "POST", body: "{nope" }));
  it("rejects CAS JSON of the wrong shape", async () => {
    await expectError(400, /"value" must be a string/, `${leader}/cas/c`, {
      method: "POST",
      body: '{"expect":null,"value":3}',
    });
    await expectError(400, /missing "expect"/, `${leader}/cas/c`, { method: "POST", body: '{"value":"v"}' });
    await expectError(400, /JSON object/, `${leader}/cas/c`, { method: "POST", body: "[1,2]" });
  });
  it("answers an unknown route with 404", () => expectError(404, /unknown route/, `${leader}/nope`));
  it("answers a wrong method with 405 and Allow", async () => {
    await expectError(405, /method not allowed/, `${leader}/kv/k`, { method: "POST", body: "x" });
    await expectError(405, /POST/, `${leader}/cas/k`, { method: "PUT", body: "x" });
    const r = await request(`${leader}/status`, { method: "DELETE" });
    expect(r.status).toBe(405);
  });
  it("keeps admin endpoints off unless started with --admin", () =>
    expectError(404, /--admin/, `${leader}/admin/links`, { method: "POST", body: "{}" }));
  it("survives an aborted upload and a garbage request line", async () => {
    expect(await raw("PUT /kv/aborted HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", true)).toMatch(
      /closed|HTTP\/1.1 4\d\d/,
    );
    expect(await raw("\x00\x01\x02 garbage\r\n\r\n")).toMatch(/silent|closed|HTTP\/1.1 4\d\d/);
    expect(await raw(`GET /${"x".repeat(100_000)} HTTP/1.1\r\n\r\n`)).toMatch(/silent|closed|HTTP\/1.1 4\d\d/);
  });

  it("still serves correctly after all of the above", async () => {
    expect((await request(`${leader}/kv/ok`, { method: "PUT", body: "fine" })).status).toBe(204);
    expect((await request(`${leader}/kv/ok`)).body).toBe("fine");
    const cas = await request(`${leader}/cas/ok`, { method: "POST", body: '{"expect":"wrong","value":"x"}' });
    expect(cas.status).toBe(409);
    expect(JSON.parse(cas.body)).toEqual({ ok: false, current: "fine" });
    const cas2 = await request(`${leader}/cas/ok`, { method: "POST", body: '{"expect":"fine","value":"x"}' });
    expect(cas2.status).toBe(200);
    expect((await request(`${leader}/kv/ok`, { method: "DELETE" })).status).toBe(204);
    expect((await request(`${leader}/kv/ok`)).status).toBe(404);
    const status = JSON.parse((await request(`${leader}/status`)).body);
    expect(status).toMatchObject({
      id: 1,
      role: "leader",
      leader: 1,
      clientUrl: leader,
      flags: "batch+pipeline+parallel-append+async-apply",
    });
    expect((await request(`${leader}/metrics`)).body).toMatch(/raftlab_stage_seconds/);
  });
});
