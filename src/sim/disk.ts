// A node's simulated disk: each fsync takes a latency drawn from the disk's shape, and fsyncs
// complete in the order they were issued (one device queue), so a sync never finishes before an
// earlier one. On a crash, how much of each file's unsynced writes persisted is drawn from the seed:
// anything from none to all, independently per file, as a real disk's writeback leaves it.

import type { Rng } from "../core/rng.ts";
import type { Nanos, Scheduler } from "./scheduler.ts";

export type DiskShape =
  /** Each fsync takes base + a uniform draw from [0, jitter). */
  | { readonly fsyncBaseNs: Nanos; readonly fsyncJitterNs: Nanos }
  /** Each fsync's latency is log-normal with this median and 99th percentile; equal: every fsync alike. */
  | { readonly fsyncP50Ns: Nanos; readonly fsyncP99Ns: Nanos };

/** The standard normal's 99th percentile. */
const Z99 = 2.326348;

/** One fsync's latency, drawn from `shape` with `rng`. */
export function fsyncLatency(shape: DiskShape, rng: Rng): Nanos {
  if ("fsyncBaseNs" in shape) return shape.fsyncBaseNs + Math.floor(rng.next() * shape.fsyncJitterNs);
  if (shape.fsyncP99Ns <= shape.fsyncP50Ns) return shape.fsyncP50Ns;
  const sigma = Math.log(shape.fsyncP99Ns / shape.fsyncP50Ns) / Z99;
  // Box–Muller; 1 - next() is in (0, 1], so the logarithm is finite.
  const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return Math.round(shape.fsyncP50Ns * Math.exp(sigma * z));
}

export class SimDisk {
  private busyUntil: Nanos = 0;
  /** fsyncs issued so far. */
  syncs = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly shape: DiskShape,
    /** Wraps each completion, so the owning node can defer or discard it (pause, crash). */
    private readonly gate: (fn: () => void) => () => void = (fn) => fn,
  ) {}

  /** Runs `fn` when an fsync issued now completes: the `schedule` a MemoryStore syncs through. */
  readonly schedule = (fn: () => void): void => {
    this.syncs++;
    this.busyUntil = Math.max(this.sched.now, this.busyUntil) + fsyncLatency(this.shape, this.sched.rng);
    this.sched.at(this.busyUntil, this.gate(fn));
  };

  /** How many of `unsynced` writes to a file survive a crash: the `survivors` of a MemoryStore. */
  readonly survivors = (_file: string, unsynced: number): number =>
    unsynced === 0 ? 0 : this.sched.rng.int(0, unsynced + 1);
}
