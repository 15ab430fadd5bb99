// Loopback port blocks for local clusters laid out as LocalCluster does: clients on base..base+n-1,
// peers on base+100..base+100+n-1.
//
// Blocks are drawn outside Linux's ephemeral range (32768–60999): a port in it can be taken by any
// outgoing connection between our check and the node's bind, or between a kill and a restart.
// A block handed out by this process stays reserved until released, so concurrent clusters of one
// process never share ports; other processes are kept apart by the free-port check and chance.

import { createServer } from "node:net";

const RANGES: readonly (readonly [number, number])[] = [
  [10_000, 32_000],
  [61_000, 65_300],
];
const reserved = new Set<number>();

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
    if (ports.some((p) => reserved.has(p))) continue;
    const release = (): void => {
      for (const p of ports) reserved.delete(p);
    };
    for (const p of ports) reserved.add(p);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return { base, release };
    release();
  }
  throw new Error(`no free block of ${2 * n} loopback ports found`);
}
