// Ctrl-C during a sweep: the running cluster and the load generator stop, what was measured is kept
// in results.json and the report, the command exits 130, and no process is left behind.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Results } from "../../bench/results.ts";
import { descendants, type ProcessKey, running } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = path.join(ROOT, "bin", "raftlab.js");
const out = mkdtempSync(path.join(tmpdir(), "raftlab-bench-interrupt-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("raftlab bench interrupted with Ctrl-C", () => {
  it("keeps the finished cell, exits 130 and leaves no process behind", async () => {
    const args = [
      "bench",
      "--flags",
      "none",
      "--env",
      "loopback",
      "--sizes",
      "1",
      "--connections",
      "1",
      "--reps",
      "3",
      "--warmup",
      "0",
      "--duration",
      "2",
      "--check-seconds",
      "0",
      "--micro-ms",
      "0",
      "--calibrate",
      "off",
      "--out",
      out,
    ];
    // Without the test build, as `npm run bench` runs: the bench compiles its own nodes and must
    // remove that build when interrupted.
    const env = { ...process.env, RAFTLAB_NODE_BUILD: "" };
    const bench = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    bench.stdout.on("data", (d) => (output += d));
    bench.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => bench.on("exit", (code) => resolve(code)));
    const seen = new Set<ProcessKey>();
    const watch = setInterval(() => descendants(bench.pid!).forEach((p) => seen.add(p)), 50);
    try {
      // The first cell finished and the second is running (its nodes are up).
      await waitUntil(
        () => /\[ ?2\/3\]/.test(output) && descendants(bench.pid!).length >= 2,
        "the second cell to start",
        60_000,
      );
      bench.kill("SIGINT");
      expect(await exited, output).toBe(130);
    } finally {
      clearInterval(watch);
      if (bench.exitCode === null) bench.kill("SIGKILL");
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);
    await waitUntil(() => [...seen].every((p) => !running(p)), "every child of the bench to be gone", 5000);

    const [run] = readdirSync(out).filter((d) => d !== "index.html");
    const results = JSON.parse(readFileSync(path.join(out, run!, "results.json"), "utf8")) as Results;
    expect(results.cells).toHaveLength(1);
    expect(results.cells[0]!.status).toBe("ok");
    expect(readdirSync(path.join(out, run!))).toContain("index.html");
    expect(results.run.versions["raftlab nodes"]).toMatch(/^compiled \(tsc \d/);
    expect(existsSync(path.join(ROOT, "dist", `bench-build-${bench.pid}`))).toBe(false);
  }, 90_000);
});
