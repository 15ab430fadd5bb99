// The run's last step, without a cluster: a planted stale read makes the run "not linearizable", keeps
// its history and fails the command; a lost acknowledged write and a node crash fail it too.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classify, type OpRecord } from "../../src/chaos/recording.ts";
import { finishRun } from "../../src/chaos/run.ts";
import { exitStatus, judge, type RunData } from "../../src/chaos/verdict.ts";
import type { Value } from "../../src/check/history.ts";
import { checkCommand } from "../../src/cli/check.ts";
import { NO_FLAGS } from "../../src/core/flags.ts";

const ms = 1e6;
const ok = (
  process: number,
  f: "read" | "write",
  input: Value,
  start: number,
  end: number,
  seen?: Value,
): OpRecord => ({
  process,
  f,
  key: "k",
  input,
  start: start * ms,
  end: end * ms,
  result:
    f === "read"
      ? classify(
          "read",
          seen === null ? { kind: "response", status: 404, body: "" } : { kind: "response", status: 200, body: seen! },
        )
      : classify("write", { kind: "response", status: 204, body: "" }),
  node: 1,
});

const writes = [ok(0, "write", "a", 0, 10), ok(0, "write", "b", 20, 30)];
const healthy = {
  faults: [],
  crashes: [],
  finalWrite: { ok: true, detail: "acknowledged" },
  convergence: { ok: true, detail: "identical" },
};
const options = { nodes: 3, flags: NO_FLAGS, durationS: 1, seed: 7, clients: 2, keys: 1 };

const root = mkdtempSync(path.join(tmpdir(), "raftlab-chaos-verdict-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runDir(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "data", "node-1"), { recursive: true });
  return dir;
}

describe("a chaos run's verdict", () => {
  it("reports a planted stale read as not linearizable, keeps the history, and fails the command", async () => {
    const data: RunData = {
      ...healthy,
      records: [...writes, ok(1, "read", null, 40, 50, "a")],
      finalValues: new Map([["k", "b"]]),
    };
    const dir = runDir("stale");
    const r = finishRun(options, "stale", dir, data, 60);
    expect(r.outcome).toBe("fail");
    expect(r.verdict).toBe("not linearizable");
    expect(r.failingKey).toBe("k");
    expect(r.problems[0]).toMatch(/^not linearizable/);
    expect(exitStatus([r.outcome])).toBe(1);
    expect(exitStatus(["pass", r.outcome, "unknown"])).toBe(1);
    // Kept for the post-mortem, and `raftlab check` agrees with the run.
    expect(existsSync(path.join(dir, "data", "node-1"))).toBe(true);
    expect(await checkCommand([path.join(dir, "history.jsonl")], { out: () => {}, err: () => {} })).toBe(1);
    const page = readFileSync(r.page, "utf8");
    expect(page).toContain("Operations on the failing key");
    expect(page).toContain("not linearizable");
  });

  it("passes a clean run and removes its data, keeping the page", () => {
    const data: RunData = {
      ...healthy,
      records: [...writes, ok(1, "read", null, 40, 50, "b")],
      finalValues: new Map([["k", "b"]]),
    };
    const dir = runDir("clean");
    const r = finishRun(options, "clean", dir, data, 60);
    expect(r).toMatchObject({ outcome: "pass", verdict: "linearizable", problems: [], ops: 3, acknowledgedWrites: 2 });
    expect(exitStatus([r.outcome])).toBe(0);
    expect(existsSync(path.join(dir, "data"))).toBe(false);
    expect(existsSync(path.join(dir, "history.jsonl"))).toBe(false);
    expect(existsSync(r.page)).toBe(true);
  });

  it("fails a run whose last acknowledged write is missing from the final state", () => {
    const { outcome, problems } = judge({ ...healthy, records: writes, finalValues: new Map([["k", "a"]]) });
    expect(outcome).toBe("fail");
    expect(problems).toEqual([
      `lost acknowledged write: k: the write of "b" by client 0 was acknowledged, but the final value is "a"`,
    ]);
  });

  it("accepts a final value from a write that may have landed after the last acknowledged one", () => {
    const pending: OpRecord = {
      ...ok(1, "write", "c", 25, 26),
      result: classify("write", { kind: "no-response", reason: "timeout", detail: "" }),
    };
    expect(judge({ ...healthy, records: [...writes, pending], finalValues: new Map([["k", "c"]]) }).outcome).toBe(
      "pass",
    );
  });

  it("fails a run in which a node exited on its own, or the cluster did not converge", () => {
    const crashed = judge({ ...healthy, records: writes, crashes: [{ id: 2, code: 1, signal: null, atMs: 1234 }] });
    expect(crashed.outcome).toBe("fail");
    expect(crashed.problems[0]).toMatch(/node 2 exited on its own/);
    const diverged = judge({ ...healthy, records: writes, convergence: { ok: false, detail: "k: node 1=a node 2=b" } });
    expect(diverged.problems).toEqual(["nodes diverged: k: node 1=a node 2=b"]);
  });
});
