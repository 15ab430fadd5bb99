// `raftlab node` refuses to expose an unauthenticated peer port: a non-loopback --host needs
// --secret-file (or an explicit --insecure), and --admin needs a token wherever anything else is
// protected. Misuse is one clear line and exit 64; the allowed forms start.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { reserveBasePort } from "../../src/node/ports.ts";
import { captureOutput } from "../support/capture.ts";
import { waitUntil } from "../support/wait.ts";

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-node-security-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const base = (host: string): string[] => [
  "node",
  "--id",
  "1",
  "--peers",
  "1=127.0.0.1:17001:17101",
  "--host",
  host,
  "--data-dir",
  path.join(dir, "d"),
];

async function usageError(args: string[]): Promise<string> {
  const io = captureOutput();
  const code = await main(args);
  vi.restoreAllMocks();
  expect(code, args.join(" ")).toBe(64);
  expect(io.out).toEqual([]);
  return io.err[0] ?? "";
}

describe("raftlab node security options", () => {
  it("refuses a non-loopback --host without a secret, saying what to add", async () => {
    const err = await usageError(base("0.0.0.0"));
    expect(err).toMatch(/^raftlab node: --host 0\.0\.0\.0 is not a loopback address/);
    expect(err).toContain("--secret-file FILE");
    expect(err).toContain("--insecure");
  });

  it("refuses --admin with a client token but no admin token on loopback", async () => {
    const err = await usageError([...base("127.0.0.1"), "--admin", "--client-token", "t"]);
    expect(err).toContain(
      "--admin with --client-token needs a token for /admin: give every node the same --secret-file FILE, or add --admin-token T",
    );
  });

  it("refuses a secret file that is missing or too short", async () => {
    expect(await usageError([...base("127.0.0.1"), "--secret-file", path.join(dir, "absent")])).toMatch(
      /--secret-file: cannot read .*absent: ENOENT/,
    );
    const short = path.join(dir, "short");
    writeFileSync(short, "abc\n");
    expect(await usageError([...base("127.0.0.1"), "--secret-file", short])).toMatch(
      /--secret-file: .*short holds 3 characters; a secret has 16 to 4096/,
    );
  });

  it("documents the secret, --insecure and the open loopback peer port in --help", async () => {
    const io = captureOutput();
    expect(await main(["node", "--help"])).toBe(0);
    const help = io.out.join("");
    expect(help).toContain("--secret-file FILE");
    expect(help).toContain("RAFTLAB_SECRET_FILE");
    expect(help).toContain("--insecure");
    expect(help).toMatch(/Without it the peer port is open to every\s+local process/);
  });

  it("starts on a non-loopback --host with --insecure", async () => {
    const build = process.env.RAFTLAB_NODE_BUILD;
    if (!build) throw new Error("RAFTLAB_NODE_BUILD is not set: run through vitest's global setup");
    const { base: port, release } = await reserveBasePort(1);
    try {
      const args = [
        "node",
        "--id",
        "1",
        "--peers",
        `1=127.0.0.1:${port}:${port + 100}`,
        "--host",
        "0.0.0.0",
        "--insecure",
        "--data-dir",
        path.join(dir, "insecure"),
      ];
      const child = spawn(process.execPath, [path.join(build, "src", "cli", "main.js"), ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const exited = new Promise<object>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      try {
        await waitUntil(
          () => out.includes("node 1: clients on") || child.exitCode !== null,
          "the node to start",
          20_000,
        );
        expect(err).toBe("");
        expect(out).toContain("node 1: clients on http://127.0.0.1");
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      release();
    }
  });
});
