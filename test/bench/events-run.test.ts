// A real bench cell with events: the leader of a real 3-node cluster hands over, then the new one is
// killed under open-loop load; the load follows each new leader, the cell records the stalls, and no
// process outlives it.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSweep } from "../../bench/sweep.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";
import { descendants, type ProcessKey, running } from "../support/processes.ts";
import { waitUntil } from "../support/wait.ts";

const out = mkdtempSync(path.join(tmpdir(), "raftlab-bench-events-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("bench --event (real processes)", () => {
  it("hands over, kills the leader, follows the new ones, and records the stalls", async () => {
    const opts = parseBenchOptions(
      ["--flags", "all", "--sizes", "3", "--rate", "300", "--env", "loopback"].concat(
        ["--event", "transfer-leader@0.5", "--event", "kill-leader@2"],
        ["--warmup", "0.5", "--duration", "5", "--reps", "1", "--check-seconds", "0", "--micro-ms", "0"],
        ["--calibrate", "off"],
        ["--out", out],
        // A hand-over must finish within an election timeout: 0.9-1.8 s, so that a busy machine does
        // not make it miss; the kill's election still ends well within the window.
        ["--", "--election-ticks", "60"],
      ),
    );
    if (opts === "help") throw new Error("unexpected help");
    const before = new Set(descendants(process.pid));
    const seen = new Set<ProcessKey>();
    const watch = setInterval(() => descendants(process.pid).forEach((p) => !before.has(p) && seen.add(p)), 100);
    let outcome;
    try {
      outcome = await runSweep(opts, { log: () => {} });
    } finally {
      clearInterval(watch);
    }

    const [cell] = outcome.results.cells;
    expect(cell!.status, cell!.error).toBe("ok");
    expect(cell!.events).toEqual(["transfer-leader@0.5", "kill-leader@2"]);
    expect(cell!.series!.intervalMs).toBe(20);
    const [t, e] = cell!.eventCosts!;
    expect(t!.detail).toMatch(/^node (\d) handed leadership to node (?!\1)\d in [\d.]+ ms$/);
    expect(t!.after.throughput).toBeGreaterThan(0);
    expect(e!.event).toBe("kill-leader@2");
    expect(e!.detail).toMatch(/^kill -9 node \d, restart after 2000 ms$/);
    expect(e!.injectedAtMs).toBeGreaterThanOrEqual(2000);
    // Nothing commits until a new leader is elected: a stall, then writes again on the new leader.
    expect(e!.unavailableMs).toBeGreaterThan(0);
    expect(e!.firstSuccessMs).not.toBeNull();
    expect(e!.firstSuccessMs!).toBeGreaterThan(0);
    expect(e!.after.throughput).toBeGreaterThan(0);
    expect(e!.series.ok.slice(-10).some((n) => n > 0)).toBe(true);
    expect(cell!.errors).toBeGreaterThan(0);
    // Every node answered the scrape after the window, the killed one restarted.
    expect(cell!.cpu.filter((u) => u.process.startsWith("node-"))).toHaveLength(3);

    expect(seen.size).toBeGreaterThanOrEqual(4);
    await waitUntil(() => [...seen].every((p) => !running(p)), "every child of the sweep to be gone", 10_000);
  }, 120_000);

  it("adds a learner and removes a follower while the load runs, and records both", async () => {
    const opts = parseBenchOptions(
      ["--flags", "all", "--sizes", "3", "--rate", "300", "--env", "loopback"].concat(
        ["--event", "add-learner@0.5", "--event", "remove-follower@1.5"],
        ["--warmup", "0.5", "--duration", "3", "--reps", "1", "--check-seconds", "0", "--micro-ms", "0"],
        ["--calibrate", "off", "--out", out],
      ),
    );
    if (opts === "help") throw new Error("unexpected help");
    const before = new Set(descendants(process.pid));
    const outcome = await runSweep(opts, { log: () => {} });
    const [cell] = outcome.results.cells;
    expect(cell!.status, cell!.error).toBe("ok");
    const [added, removed] = cell!.eventCosts!;
    expect(added!.detail).toMatch(/^node 4 added as a learner, committed in [\d.]+ ms$/);
    expect(removed!.detail).toMatch(/^node [123] removed, committed in [\d.]+ ms$/);
    for (const e of [added!, removed!]) {
      expect(e).not.toHaveProperty("missed");
      expect(e.after.throughput).toBeGreaterThan(0);
    }
    // The added node is stopped with the cluster.
    await waitUntil(
      () => descendants(process.pid).every((p) => before.has(p) || !running(p)),
      "every node of the cell to be gone",
      10_000,
    );
  }, 120_000);
});
