// The named environments of `raftlab bench --env`: the emulation knobs every cell of an environment
// shares. `dc` gives every mechanism a cost, at figures published for a data center (README,
// "The default run"):
//   - network: one-way 0.25 ms per peer message, half the ~0.5 ms round trip within a data center of
//     J. Dean's "Numbers everyone should know" (LADIS 2009); what pipelining hides;
//   - fsync: +1000 µs on top of this machine's own (0.2–0.5 ms on its host-cached disk), so about
//     1.2–1.5 ms per flush: inside the ≤ 2 ms (500 sequential fdatasync'd writes/s) that etcd's
//     hardware guide asks of a heavily loaded cluster's disk, and the order of an SSD without
//     power-loss protection; what batching amortizes and parallel append overlaps;
//   - apply: each command holds the applying thread 100 µs, mostly waiting: a state machine that
//     writes synchronously to an embedded store and misses its cache pays a random read of the SSD,
//     150 µs for 4 KiB in the "Latency numbers every programmer should know" (Dean, Norvig), less on
//     NVMe; what async apply takes off the event loop. A wait, not CPU: on two cores, CPU spent
//     applying is taken from the other nodes whichever thread applies, which hid the mechanism.

import type { CellConfig } from "./results.ts";

export type Environment = Pick<CellConfig, "netDelayMs" | "fsyncDelayUs" | "applyCostUs">;

export const ENVIRONMENTS = {
  loopback: { netDelayMs: 0, fsyncDelayUs: 0, applyCostUs: 0 },
  dc: { netDelayMs: 0.25, fsyncDelayUs: 1000, applyCostUs: 100 },
} as const satisfies Record<string, Environment>;

export type EnvName = keyof typeof ENVIRONMENTS;

export function isEnvName(name: string): name is EnvName {
  return Object.hasOwn(ENVIRONMENTS, name);
}
