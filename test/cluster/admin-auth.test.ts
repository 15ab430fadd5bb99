// `/admin/…` takes only the admin token (the cluster secret here, as `raftlab cluster` sets it up),
// never the client token or nothing, and refuses out-of-range link settings with a 400 that says why.

import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { NodeClient, type Reply } from "../../src/node/api-client.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { readSecretFile } from "../../src/node/secret-file.ts";
import { freeBasePort } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

const CLIENT_TOKEN = "client-token-for-tests";
let cluster: LocalCluster;

/** POST /admin/links (or another admin endpoint) to node 1 with `token` as the bearer token (none when null). */
const admin = (token: string | null, body: object, endpoint = "links"): Promise<Reply> =>
  new NodeClient(cluster.clientUrl(1), { adminToken: token }).send("POST", `/admin/${endpoint}`, {
    body: JSON.stringify(body),
  });
const secret = (): string => readSecretFile(cluster.secretFile!);

beforeAll(async () => {
  cluster = new LocalCluster({
    nodes: 1,
    flags: parseFlags("all"),
    basePort: await freeBasePort(1),
    nodeArgs: ["--admin", "--client-token", CLIENT_TOKEN],
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
  });
  cluster.start();
  const client = new NodeClient(cluster.clientUrl(1), { clientToken: CLIENT_TOKEN });
  await waitUntil(async () => (await client.status()).role === "leader", "node 1 to lead");
});
afterAll(async () => {
  await cluster?.stop();
  if (cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
});

describe("/admin authorization", () => {
  it("refuses the client token and no token, and accepts the admin token", async () => {
    const withClientToken = await admin(CLIENT_TOKEN, { delayMs: 1 });
    expect(withClientToken.status).toBe(401);
    expect(JSON.parse(withClientToken.body)).toEqual({ error: "missing or wrong admin bearer token" });
    expect((await admin(null, { delayMs: 1 })).status).toBe(401);
    expect((await admin("wrong", { delayMs: 1 })).status).toBe(401);
    const ok = await admin(secret(), { delayMs: 0 });
    expect(ok.status).toBe(200);
  });

  it("answers 400 naming the field for out-of-range link settings", async () => {
    for (const [body, field] of [
      [{ delayMs: 1e9 }, "delayMs"],
      [{ delayMs: 60_001 }, "delayMs"],
      [{ jitterMs: 1e12 }, "jitterMs"],
      [{ delayMs: -1 }, "delayMs"],
      [{ lossRate: 1.5 }, "lossRate"],
    ] as const) {
      const r = await admin(secret(), body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).error, JSON.stringify(body)).toMatch(
        new RegExp(`"${field}" must be a number from 0 to \\d+`),
      );
    }
    expect((await admin(secret(), { delayMs: 60_000, jitterMs: 0 })).status).toBe(200);
    expect((await admin(secret(), { delayMs: 0 })).status).toBe(200);
  });

  it("changes the fsync delay at run time, and answers 400 saying why for a bad delay", async () => {
    expect((await admin(CLIENT_TOKEN, { us: 5000 }, "fsync-delay")).status).toBe(401);
    for (const body of [{ us: -1 }, { us: 1.5 }, { us: "5000" }, { us: 10_000_001 }, {}]) {
      const r = await admin(secret(), body, "fsync-delay");
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).error).toMatch(/"us" must be a whole number of microseconds from 0 to 10000000/);
    }
    const extra = await admin(secret(), { us: 1, ms: 1 }, "fsync-delay");
    expect([extra.status, JSON.parse(extra.body).error]).toEqual([400, 'unknown field "ms"; known: us']);
    const client = new NodeClient(cluster.clientUrl(1), { clientToken: CLIENT_TOKEN, adminToken: secret() });
    expect(await client.setFsyncDelay(2000)).toEqual({ us: 2000 });
    await client.put("slow", "disk");
    expect(await client.setFsyncDelay(0)).toEqual({ us: 0 });
    await client.put("fast", "disk");
    expect(await client.get("slow")).toBe("disk");
  });
});
