import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCommand } from "../../src/cli/check.ts";
import { toJsonLines } from "./support/convert-porcupine.ts";
import { e } from "./support/events.ts";

const dir = mkdtempSync(join(tmpdir(), "raftlab-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await checkCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const writeThenRead = (seen: string | null) =>
  toJsonLines([
    e(1, 0, "invoke", "write", "k1", "a"),
    e(2, 0, "ok", "write", "k1"),
    e(3, 1, "invoke", "read", "k1"),
    e(4, 1, "ok", "read", "k1", seen),
    e(5, 1, "invoke", "read", "k2"),
    e(6, 1, "ok", "read", "k2", null),
  ]);
const good = file("good.jsonl", writeThenRead("a"));
const bad = file("bad.jsonl", writeThenRead(null));
const wide = file(
  "wide.jsonl",
  toJsonLines(
    ["a", "b", "c", "d"].flatMap((v, p) => [e(1, p, "invoke", "write", "k", v), e(9, p, "info", "write", "k")]),
  ),
);

describe("raftlab check", () => {
  it("exits 0 and prints linearizable with what was checked", async () => {
    const r = await run(good);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^linearizable\n {2}3 operations on 2 keys \(2 searched\), \d+ states explored, [\d.]+ ms\n$/,
    );
    expect(r.err).toBe("");
  });

  it("exits 1 and names the smallest failing key", async () => {
    const r = await run(bad);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toBe('not linearizable (smallest failing key: "k1")');
  });

  it("exits 2 when the search budget runs out", async () => {
    const r = await run(wide, "--budget", "2");
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^unknown \(search budget of 2 states exhausted\)\n.*\n {2}undecided keys: "k"\n$/);
    expect((await run(wide)).code).toBe(0);
  });

  it("--json prints the result object", async () => {
    const r = await run(bad, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: "not linearizable", failingKey: "k1", partitions: 2, ops: 3 });
  });

  it("--help prints usage and exits 0", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: raftlab check FILE/);
    expect(r.out).toMatch(/Exit status: 0 linearizable, 1 not linearizable, 2 unknown/);
  });

  it.each([
    [[], /missing FILE/],
    [["a", "b"], /expected one FILE/],
    [["--bogus", "x"], /Unknown option '--bogus'/],
    [["--budget", "0", "x"], /--budget must be a positive integer \(got "0"\)/],
    [["--budget", "lots", "x"], /--budget must be a positive integer/],
  ])("usage error %j exits 64 with one line", async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(64);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  it("a missing file exits 66 with one line", async () => {
    const r = await run(join(dir, "nope.jsonl"));
    expect(r.code).toBe(66);
    expect(r.err).toBe(`raftlab check: cannot read ${join(dir, "nope.jsonl")}: ENOENT\n`);
  });

  it("a malformed history exits 65 with the line number and no stack trace", async () => {
    const path = file("broken.jsonl", `${JSON.stringify(e(1, 0, "invoke", "read", "k"))}\n{"process":0,"type":"ok"\n`);
    const r = await run(path);
    expect(r.code).toBe(65);
    expect(r.err).toBe(`raftlab check: ${path}: line 2: not valid JSON\n`);
    expect(r.out).toBe("");
  });
});
