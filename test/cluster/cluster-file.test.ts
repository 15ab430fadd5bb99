// Three node processes started from one cluster file (`raftlab node --cluster FILE --id N`, as
// LocalCluster starts them) elect a leader and take writes, on the flags the file names.

import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlags } from "../../src/core/flags.ts";
import { LocalCluster } from "../../src/node/local-cluster.ts";
import { freeBasePort } from "../support/cluster.ts";

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

describe("nodes started from a cluster file", () => {
  it("know their peers and flags from the file alone", async () => {
    for (const id of cluster.ids) {
      const argv = commands.get(id)!;
      expect(argv).toContain("--cluster");
      expect(argv[argv.indexOf("--cluster") + 1]).toBe(cluster.clusterFile);
      for (const absent of ["--peers", "--flags", "--secret-file"]) expect(argv).not.toContain(absent);
      const s = (await cluster.client(id).status())!;
      expect([s.id, s.clientUrl, s.flags]).toEqual([id, cluster.clientUrl(id), "batch+pipeline"]);
    }
  });

  it("elect one leader and take writes", async () => {
    const leader = await cluster.waitForLeader(20_000);
    const client = cluster.client(leader);
    for (let i = 0; i < 20; i++) await client.put(`k${i}`, `v${i}`);
    expect(await cluster.client(leader).get("k19")).toBe("v19");
  });
});
