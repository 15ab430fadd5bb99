// Three node processes started from one cluster file (`raftlab node --cluster FILE --id N`, as
// LocalCluster starts them) elect a leader and take writes on the flags the file names; then
// `POST /admin/flags` switches every node's combination under write load, `/status` reports it,
// and no write is refused or lost. Without the admin token, the flags cannot be touched.

import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatFlags, parseFlags } from "../../src/core/flags.ts";
import { ApiError, NodeClient, NoResponseError } from "../../src/node/api-client.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { readSecretFile } from "../../src/node/secret-file.ts";
import { freeBasePort } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

let cluster: LocalCluster;
const commands = new Map<number, readonly string[]>();

beforeAll(async () => {
  cluster = new LocalCluster({
    nodes: 3,
    flags: parseFlags("batch+pipeline"),
    basePort: await freeBasePort(3),
    nodeArgs: ["--admin"],
    stdio: process.env.RAFTLAB_TEST_VERBOSE ? "inherit" : "ignore",
    command: (id, argv) => {
      commands.set(id, argv);
      return argv;
    },
  });
  cluster.start();
  await cluster.waitForLeader(20_000);
});
afterAll(async () => {
  await cluster?.stop();
  if (cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
});

const canonical = (flags: string): string => formatFlags(parseFlags(flags));

/** Writers that put fresh keys through any node until stopped, retrying what a leader change refuses. */
class Writers {
  readonly acked: string[] = [];
  readonly errors: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(n: number) {
    this.loops = Array.from({ length: n }, (_, w) => this.loop(w));
  }

  private async loop(w: number): Promise<void> {
    const client = cluster.client(1 + (w % cluster.ids.length));
    for (let i = 0; this.running; i++) {
      const key = `w${w}-${i}`;
      for (;;) {
        try {
          await client.put(key, key);
          this.acked.push(key);
          break;
        } catch (err) {
          // A leader change answers 503 (or a dropped connection); anything else is a failure.
          const retry = (err instanceof ApiError && err.reply.status === 503) || err instanceof NoResponseError;
          if (!retry || !this.running) {
            this.errors.push(`${key}: ${(err as Error).message}`);
            return;
          }
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe("nodes started from a cluster file", () => {
  it("know their peers and flags from the file alone", async () => {
    for (const id of cluster.ids) {
      const argv = commands.get(id)!;
      expect(argv).toContain("--cluster");
      expect(argv[argv.indexOf("--cluster") + 1]).toBe(cluster.clusterFile);
      for (const absent of ["--peers", "--flags", "--secret-file"]) expect(argv).not.toContain(absent);
      const s = await cluster.client(id).status();
      expect([s.id, s.clientUrl, s.flags]).toEqual([id, cluster.clientUrl(id), "batch+pipeline"]);
    }
  });

  it("elect one leader and take writes", async () => {
    const leader = await cluster.waitForLeader(20_000);
    const client = cluster.client(leader);
    for (let i = 0; i < 20; i++) await client.put(`k${i}`, `v${i}`);
    expect(await client.get("k19")).toBe("v19");
  });

  it("switch flags live under writes: /status shows them and every write is kept", async () => {
    const writers = new Writers(4);
    const waited: number[] = [];
    try {
      for (const combo of ["none", "all", "parallel-append+async-apply", "batch", "pipeline+async-apply"]) {
        for (const id of cluster.ids) {
          const answer = await cluster.client(id).setFlags(combo, { timeoutMs: 20_000 });
          expect(answer.flags).toBe(canonical(combo));
          waited.push(answer.waitedMs);
        }
        for (const id of cluster.ids) expect((await cluster.client(id).status()).flags).toBe(canonical(combo));
        // Writes go on under the new combination.
        const before = writers.acked.length;
        await waitUntil(
          () => writers.acked.length >= before + 30 || writers.errors.length > 0,
          `30 more writes under ${combo}`,
          30_000,
        );
        expect(writers.errors).toEqual([]);
      }
    } finally {
      await writers.stop();
    }
    expect(writers.errors).toEqual([]);
    waited.sort((a, b) => a - b);
    console.log(
      `flag switches under load: ${waited.length}, waited for a safe point: median ${waited[waited.length >> 1]!.toFixed(2)} ms, ` +
        `max ${waited[waited.length - 1]!.toFixed(2)} ms; ${writers.acked.length} writes acknowledged`,
    );
    const leader = await cluster.waitForLeader(20_000);
    const client = cluster.client(leader);
    for (const key of writers.acked) expect(await client.get(key), key).toBe(key);
  });

  it("refuse a flag switch without the admin token, and bad flags with a 400 that says why", async () => {
    const before = (await cluster.client(1).status()).flags;
    const post = (token: string | null, body: object) =>
      new NodeClient(cluster.clientUrl(1), { adminToken: token }).send("POST", "/admin/flags", {
        body: JSON.stringify(body),
      });
    for (const token of [null, "wrong-token-of-the-same-length-as-none"]) {
      const r = await post(token, { flags: "none" });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toEqual({ error: "missing or wrong admin bearer token" });
    }
    const secret = readSecretFile(cluster.secretFile!);
    for (const [body, message] of [
      [{ flags: "batch+warp" }, /"flags": unknown flag "warp"/],
      [{ flags: 3 }, /"flags" must be a combination/],
      [{ flags: "" }, /"flags" must be a combination/],
      [{ flags: "all", extra: 1 }, /unknown field "extra"/],
    ] as const) {
      const r = await post(secret, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.body).error, JSON.stringify(body)).toMatch(message);
    }
    expect((await cluster.client(1).status()).flags).toBe(before);
  });
});
