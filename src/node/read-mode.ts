// How a node serves linearizable reads: `readindex` confirms each read with a heartbeat round;
// `lease` serves reads at once while the leader's lease holds (src/core/lease.ts), which is safe as
// long as no follower's clock runs ahead of the leader's by more than the stated drift bound over
// an election timeout.

import type { RaftConfig } from "../core/config.ts";

export const READ_MODES = ["readindex", "lease"] as const;
export type ReadMode = (typeof READ_MODES)[number];

/** The default clock-drift bound: a tenth of the (shortest) election timeout. */
export function defaultClockDriftMs(tickMs: number, electionTicks: number): number {
  return Math.ceil((tickMs * electionTicks) / 10);
}

/**
 * The core's read settings. A follower that accepted a heartbeat ignores other candidates for at
 * least (electionTicks − 1) of its ticks, which never run faster than real time; the lease is that
 * wait less the drift bound. Throws when nothing is left of it.
 */
export function readSettings(
  mode: ReadMode,
  tickMs: number,
  electionTicks: number,
  maxClockDriftMs: number,
): Pick<RaftConfig, "readOnly" | "leaseMs"> {
  if (mode === "readindex") return { readOnly: "safe", leaseMs: 0 };
  const leaseMs = (electionTicks - 1) * tickMs - maxClockDriftMs;
  if (leaseMs <= 0) {
    throw new Error(
      `a clock-drift bound of ${maxClockDriftMs} ms leaves no lease within ${electionTicks - 1} ticks of ${tickMs} ms`,
    );
  }
  return { readOnly: "lease", leaseMs };
}
