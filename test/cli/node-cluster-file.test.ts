// `raftlab node --cluster FILE --id N` is the same node configuration as the equivalent --peers,
// --flags and --secret-file, and a bad file is one usage line naming the file, line and field.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { NODE_USAGE, parseNodeOptions } from "../../src/cli/node.ts";
import type { NodeOptions } from "../../src/server/raft-node.ts";
import { captureOutput } from "../support/capture.ts";

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-node-cluster-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const secretFile = path.join(dir, "cluster.secret");
writeFileSync(secretFile, "0123456789abcdef0123456789abcdef\n");
const clusterFile = path.join(dir, "cluster.yaml");
writeFileSync(
  clusterFile,
  `nodes:
  - { id: 1, client: "http://127.0.0.1:7001", peer: "ws://127.0.0.1:7101" }
  - { id: 2, client: "http://127.0.0.2:7002", peer: "ws://127.0.0.2:7102" }
flags: batch+async-apply
secretFile: cluster.secret
`,
);

function options(argv: string[]): NodeOptions {
  const o = parseNodeOptions(argv);
  if (o === "help") throw new Error("unexpected help");
  return o;
}

describe("raftlab node --cluster", () => {
  it("gives the same configuration as --peers, --flags, --secret-file and --host", () => {
    const fromFile = options(["--cluster", clusterFile, "--id", "2", "--data-dir", "/tmp/d", "--tick-ms", "5"]);
    const fromFlags = options([
      ...["--id", "2", "--peers", "1=127.0.0.1:7001:7101,2=127.0.0.2:7002:7102", "--data-dir", "/tmp/d"],
      ...["--flags", "batch+async-apply", "--secret-file", secretFile, "--host", "127.0.0.2", "--tick-ms", "5"],
    ]);
    expect(fromFile).toEqual(fromFlags);
    expect(fromFile.secret).toBe("0123456789abcdef0123456789abcdef");
  });

  it("defaults the data directory and lets --host override the entry's address", () => {
    const o = options(["--cluster", clusterFile, "--id", "1", "--host", "0.0.0.0"]);
    expect([o.dataDir, o.host]).toEqual(["raftlab-node-1", "0.0.0.0"]);
  });

  it("refuses --peers, --flags or --secret-file beside it, and a bad file, in one line", async () => {
    for (const [extra, message] of [
      [["--flags", "none"], "--flags conflicts with --cluster: the cluster file sets it"],
      [["--peers", "1=127.0.0.1:7001:7101"], "--peers conflicts with --cluster"],
      [["--secret-file", secretFile], "--secret-file conflicts with --cluster"],
    ] as const) {
      const io = captureOutput();
      expect(await main(["node", "--cluster", clusterFile, "--id", "1", ...extra])).toBe(64);
      vi.restoreAllMocks();
      expect(io.err.join("")).toContain(message);
    }
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, `nodes:\n  - { id: 1, client: "http://127.0.0.1:7001", peer: "ws://127.0.0.1" }\n`);
    const io = captureOutput();
    expect(await main(["node", "--cluster", bad, "--id", "1"])).toBe(64);
    expect(io.err).toEqual([
      `raftlab node: --cluster ${bad} line 2: nodes[0].peer: "ws://127.0.0.1" needs an explicit port from 1 to 65535 (ws://HOST:PORT) (see 'raftlab node --help')\n`,
    ]);
  });

  it("refuses a file without secretFile on a non-loopback address unless --insecure, saying where the secret goes", async () => {
    const open = path.join(dir, "open.yaml");
    writeFileSync(open, `nodes:\n  - { id: 1, client: "http://10.77.0.11:7001", peer: "ws://10.77.0.11:7101" }\n`);
    const io = captureOutput();
    expect(await main(["node", "--cluster", open, "--id", "1", "--admin"])).toBe(64);
    vi.restoreAllMocks();
    expect(io.err.join("")).toMatch(
      /^raftlab node: --host 10\.77\.0\.11 is not a loopback address, .*name the secret in the cluster file \(secretFile: FILE, the same for every node\).*--insecure/,
    );
    expect(options(["--cluster", open, "--id", "1", "--insecure"])).toMatchObject({ host: "10.77.0.11", secret: null });
  });

  it("is documented in --help", () => {
    expect(NODE_USAGE).toContain("raftlab node --cluster FILE --id I [--data-dir D] [options]");
    expect(NODE_USAGE).toMatch(/--cluster FILE\s+the cluster file \(YAML\)/);
    expect(NODE_USAGE).toContain("secretFile: cluster.secret");
  });
});
