// Loopback port blocks for local clusters laid out as LocalCluster does: clients on base..base+n-1,
// peers on base+100..base+100+n-1.
//
// Blocks are drawn outside Linux's ephemeral range (32768–60999): a port in it can be taken by any
// outgoing connection between our check and the node's bind, or between a kill and a restart.
// A block stays reserved until released (or until its process exits) through a lock file per port
// in the temporary directory, so that clusters never share ports, whether they belong to one process
// or to several (test workers running side by side, a bench beside a cluster): a free-port check
// alone would let two processes both find a block free before either binds it.

import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { tryLockFile } from "../storage/lock.ts";

const RANGES: readonly (readonly [number, number])[] = [
  [10_000, 32_000],
  [61_000, 65_300],
];
const LOCK_DIR = path.join(tmpdir(), "raftlab-ports");
/** This process's port locks, by port, each with its release. */
const held = new Map<number, () => void>();
process.once("exit", () => {
  for (const release of held.values()) release();
});

/** Locks `port` for this process; false when another holder (here or elsewhere) has it. */
function lockPort(port: number): boolean {
  if (held.has(port)) return false;
  mkdirSync(LOCK_DIR, { recursive: true });
  const release = tryLockFile(path.join(LOCK_DIR, String(port)));
  if (release === null) return false;
  held.set(port, release);
  return true;
}

function unlockPort(port: number): void {
  held.get(port)?.();
  held.delete(port);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function randomBase(n: number): number {
  const sizes = RANGES.map(([lo, hi]) => hi - 100 - n - lo);
  let pick = Math.floor(Math.random() * sizes.reduce((a, b) => a + b, 0));
  for (let i = 0; i < RANGES.length; i++) {
    if (pick < sizes[i]!) return RANGES[i]![0] + pick;
    pick -= sizes[i]!;
  }
  return RANGES[0]![0];
}

export interface PortBlock {
  readonly base: number;
  /** Returns the block to the pool (for long-lived processes that start many clusters). */
  release(): void;
}

/** Reserves a free block of ports for an n-member cluster. */
export async function reserveBasePort(n: number): Promise<PortBlock> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomBase(n);
    const ports = Array.from({ length: n }, (_, i) => [base + i, base + 100 + i]).flat();
    const locked: number[] = [];
    for (const p of ports) {
      if (!lockPort(p)) break;
      locked.push(p);
    }
    const release = (): void => {
      for (const p of locked) unlockPort(p);
    };
    if (locked.length === ports.length && (await Promise.all(ports.map(portFree))).every(Boolean)) {
      return { base, release };
    }
    release();
  }
  throw new Error(`no free block of ${2 * n} loopback ports found`);
}

/**
 * Reserves the ports of one more member of the cluster at `base` (`id`: its client port is
 * base+id-1, its peer port base+100+id-1), for a node added to a running cluster; null when either
 * is another process's.
 */
export function reserveMemberPorts(base: number, id: number): (() => void) | null {
  // A port this process already holds was reserved with the cluster's block (room for added nodes):
  // it stays with that reservation.
  const ports = [base + id - 1, base + 100 + id - 1].filter((p) => !held.has(p));
  const locked = ports.filter((p) => lockPort(p));
  const release = (): void => {
    for (const p of locked) unlockPort(p);
  };
  if (locked.length === ports.length) return release;
  release();
  return null;
}
