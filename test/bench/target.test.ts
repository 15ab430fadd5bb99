// `raftlab bench --target FILE` against a cluster the test starts on its own: the bench starts and
// stops nothing, switches the running nodes' flags per cell and measures them; bad options are
// refused with what to do instead.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSweep } from "../../bench/sweep.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";
import { startCluster } from "../support/cluster.ts";

const out = mkdtempSync(path.join(tmpdir(), "raftlab-bench-target-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("bench --target", () => {
  it("measures a running cluster, switching its flags per cell, and leaves it running", async () => {
    const t = await startCluster(3, "none", ["--admin"]);
    try {
      const parsed = parseBenchOptions([
        "--target",
        t.cluster.clusterFile,
        "--flags",
        "none,all",
        "--connections",
        "8",
        "--warmup",
        "0.5",
        "--duration",
        "1",
        "--order",
        "grouped",
        "--out",
        out,
      ]);
      if (parsed === "help") throw new Error("unexpected help");
      expect([parsed.sizes, parsed.checkS, parsed.microMs]).toEqual([[3], 0, 0]);
      const { dir, results } = await runSweep(parsed, { log: () => {} });
      expect(results.cells.map((c) => [c.flags, c.status])).toEqual([
        ["none", "ok"],
        ["batch+pipeline+parallel-append+async-apply", "ok"],
      ]);
      for (const c of results.cells) {
        expect(c.throughput).toBeGreaterThan(0);
        expect(c.topology!.target).toBe(t.cluster.clusterFile);
        expect(c.topology!.nodes).toEqual(t.cluster.ids.map((id) => t.cluster.clientUrl(id)));
        expect(c.topology!.rttMs).toBeGreaterThan(0);
        expect(c.cpu.filter((u) => u.role === "leader").map((u) => u.process)).toEqual([`node-${c.topology!.leader}`]);
        expect(c.mechanism?.nodes).toHaveLength(3);
      }
      expect(results.run.versions["raftlab nodes"]).toBeUndefined(); // nothing was started
      expect(readFileSync(path.join(dir, "index.html"), "utf8")).toContain(
        `Measured against the running cluster of ${t.cluster.clusterFile}`,
      );
      // Still running, on the last combination measured.
      for (const id of t.cluster.ids) {
        expect(t.cluster.isRunning(id)).toBe(true);
        expect((await t.cluster.client(id).status()).flags).toBe("batch+pipeline+parallel-append+async-apply");
      }
    } finally {
      await t.stop();
    }
  }, 120_000);

  it("with --read-mode, reads stale from every node of the file, and checks the nodes' own mode", async () => {
    const t = await startCluster(3, "all", ["--admin", "--read-mode", "lease"]);
    try {
      const parsed = parseBenchOptions([
        ...["--target", t.cluster.clusterFile, "--flags", "all", "--connections", "4", "--keys", "100"],
        ...["--read-ratio", "0.75", "--read-mode", "readindex,stale", "--order", "grouped"],
        ...["--warmup", "0.3", "--duration", "1", "--out", out],
      ]);
      if (parsed === "help") throw new Error("unexpected help");
      const { results } = await runSweep(parsed, { log: () => {} });
      const [readindex, stale] = results.cells;
      expect([readindex!.readMode, stale!.readMode]).toEqual(["readindex", "stale"]);
      // The nodes run lease reads: a cell of ReadIndex reads would measure something else.
      expect(readindex!.status).toBe("failed");
      expect(readindex!.error).toMatch(/measures readindex reads, but the targeted nodes serve reads by lease/);
      expect(stale!.status).toBe("ok");
      expect(stale!.reads!.throughput).toBeGreaterThan(0);
      expect(stale!.reads!.throughput).toBeLessThan(stale!.throughput);
    } finally {
      await t.stop();
    }
  }, 120_000);

  it("refuses options that set up nodes, and says what is wrong with the file", () => {
    const dir = mkdtempSync(path.join(out, "file-"));
    const file = path.join(dir, "cluster.yaml");
    writeFileSync(file, 'nodes:\n  - { id: 1, client: "http://127.0.0.1:7001", peer: "ws://127.0.0.1" }\n');
    const parse =
      (...args: string[]) =>
      () =>
        parseBenchOptions(["--target", file, ...args]);
    expect(parse()).toThrow(/--target .*cluster\.yaml line 2: nodes\[0\]\.peer/);
    writeFileSync(file, 'nodes:\n  - { id: 1, client: "http://127.0.0.1:7001", peer: "ws://127.0.0.1:7101" }\n');
    expect(parse("--sizes", "3")).toThrow(/--sizes sets up the nodes the bench starts/);
    expect(parse("--fsync-delay-us", "1000")).toThrow(/--fsync-delay-us sets up/);
    expect(parse("--net-loss", "0.1")).toThrow(/--net-loss sets up/);
    expect(parse("--read-ratio", "0.5", "--read-mode", "stale,lease")).toThrow(
      /--read-mode lease starts the nodes with --read-mode lease; with --target the nodes serve reads in the mode they were started with/,
    );
    expect(parse("--read-ratio", "0.5", "--read-mode", "readindex,stale")()).toMatchObject({
      readModes: ["readindex", "stale"],
    });
    expect(parse("--", "--max-inflight", "4")).toThrow(/after "--"/);
    expect(() => parseBenchOptions(["--target", path.join(dir, "missing.yaml")])).toThrow(
      /--target: cannot read .*missing\.yaml: ENOENT/,
    );
  });
});
