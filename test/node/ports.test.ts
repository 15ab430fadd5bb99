// Port blocks are reserved across processes: each port of a block is a lock file that another
// process cannot take while the holder runs, so two test workers (or a bench beside a cluster) never
// draw overlapping blocks; releasing the block removes its files.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { reserveBasePort } from "../../src/node/ports.ts";

const LOCK_MODULE = fileURLToPath(new URL("../../src/storage/lock.ts", import.meta.url));
const lockFile = (port: number): string => path.join(tmpdir(), "raftlab-ports", String(port));

/** Whether another process can take the lock file of `port` (it releases it at once if so). */
function otherProcessCanLock(port: number): boolean {
  const script = `const { tryLockFile } = await import(${JSON.stringify(LOCK_MODULE)});
const release = tryLockFile(process.argv[1]);
release?.();
process.stdout.write(release === null ? "held" : "free");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, lockFile(port)], {
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout === "free";
}

describe("reserveBasePort", () => {
  it("locks every port of the block against other processes until released", async () => {
    const block = await reserveBasePort(2);
    const ports = [block.base, block.base + 1, block.base + 100, block.base + 101];
    try {
      for (const p of ports) {
        expect(readFileSync(lockFile(p), "utf8").split(/\s+/)[0]).toBe(String(process.pid));
        expect(otherProcessCanLock(p), `port ${p}`).toBe(false);
      }
    } finally {
      block.release();
    }
    for (const p of ports) expect(existsSync(lockFile(p)), `lock of port ${p}`).toBe(false);
    expect(otherProcessCanLock(ports[0]!)).toBe(true);
  });

  it("never hands one process overlapping blocks", async () => {
    const blocks = await Promise.all(Array.from({ length: 20 }, () => reserveBasePort(3)));
    try {
      const ports = blocks.flatMap((b) => [0, 1, 2, 100, 101, 102].map((d) => b.base + d));
      expect(new Set(ports).size).toBe(ports.length);
    } finally {
      for (const b of blocks) b.release();
    }
  });
});
