// The named environments of `raftlab bench --env`: the emulation knobs every cell of an environment
// shares. `dc` gives every mechanism a cost, at figures published for a data center (README,
// "The default run"):
//   - network: one-way 0.25 ms per peer message, half the ~0.5 ms round trip within a data center of
//     J. Dean's "Numbers everyone should know" (LADIS 2009); what pipelining hides;
//   - fsync: +1000 µs on top of this machine's own (0.2–0.5 ms on its host-cached disk), so about
//     1.2–1.5 ms per flush: inside the ≤ 2 ms (500 sequential fdatasync'd writes/s) that etcd's
//     hardware guide asks of a heavily loaded cluster's disk, and the order of an SSD without
//     power-loss protection; what batching amortizes and parallel append overlaps;
//   - apply: 20 µs of CPU per command, a modelled state-machine write (index update and serialization),
//     low enough that five nodes' apply work fits two cores at the rates reached here; what async
//     apply takes off the event loop.

import type { CellConfig } from "./results.ts";

export type Environment = Pick<CellConfig, "netDelayMs" | "fsyncDelayUs" | "applyCostUs">;

export const ENVIRONMENTS = {
  loopback: { netDelayMs: 0, fsyncDelayUs: 0, applyCostUs: 0 },
  dc: { netDelayMs: 0.25, fsyncDelayUs: 1000, applyCostUs: 20 },
} as const satisfies Record<string, Environment>;

export type EnvName = keyof typeof ENVIRONMENTS;

export function isEnvName(name: string): name is EnvName {
  return Object.hasOwn(ENVIRONMENTS, name);
}
