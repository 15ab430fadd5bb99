// What each optimization actually does on a node, counted where it acts: how many entries share a
// write+fsync (batch), how many entries an AppendEntries carries and how many are in flight per
// follower (batch, pipeline), how large apply batches are (async apply), how deep the proposal queue
// is when it is drained. Each is a histogram of plain counts in power-of-two buckets: an observation
// is a bucket index and three increments, cheap enough for the leader's hot path. The counts only
// grow: a reader takes the difference between two snapshots to get a window (the bench does).

export const MECHANISMS = {
  leaderWriteEntries: "Entries per log write+fsync on the leader (writes that carry entries).",
  followerWriteEntries:
    "Entries per log write+fsync on a follower (writes that carry entries); the count is the number of follower fsyncs.",
  writeBytes: "Payload bytes of the entries in each log write+fsync (any role).",
  appendEntries: "Entries per AppendEntries sent (messages that carry entries).",
  appendInflight: "AppendEntries in flight to the follower right after each AppendEntries carrying entries is sent.",
  applyBatch: "Entries per apply batch handed to the state machine.",
  proposalQueue: "Proposals waiting in the leader's queue each time it is drained into the log.",
} as const;
export type Mechanism = keyof typeof MECHANISMS;
export const MECHANISM_NAMES = Object.keys(MECHANISMS) as Mechanism[];

/** Every counter of a node at one moment (cumulative since start). */
export type CounterSnapshot = Record<Mechanism, CountHistogramSnapshot>;

/** Bucket i counts values <= 2^i; the last bucket (index MAX_EXP + 1) counts everything larger. */
const MAX_EXP = 30;
export const BUCKET_BOUNDS: readonly number[] = Array.from({ length: MAX_EXP + 1 }, (_, i) => 2 ** i);

/** A histogram's cumulative state, as `/stats` reports it (bucket counts are per bucket, not cumulative). */
export interface CountHistogramSnapshot {
  /** One count per bound of BUCKET_BOUNDS, then the count above the last bound. */
  readonly buckets: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export class CountHistogram {
  readonly buckets = new Float64Array(MAX_EXP + 2);
  sum = 0;
  count = 0;

  observe(v: number): void {
    // The smallest i with v <= 2^i (0 and 1 share bucket 0).
    const i = v <= 1 ? 0 : 32 - Math.clz32(v - 1);
    this.buckets[i > MAX_EXP ? MAX_EXP + 1 : i]!++;
    this.sum += v;
    this.count++;
  }

  snapshot(): CountHistogramSnapshot {
    return { buckets: Array.from(this.buckets), sum: this.sum, count: this.count };
  }
}

export class MechanismCounters {
  readonly leaderWriteEntries = new CountHistogram();
  readonly followerWriteEntries = new CountHistogram();
  readonly writeBytes = new CountHistogram();
  readonly appendEntries = new CountHistogram();
  readonly appendInflight = new CountHistogram();
  readonly applyBatch = new CountHistogram();
  readonly proposalQueue = new CountHistogram();

  snapshot(): CounterSnapshot {
    const out = {} as CounterSnapshot;
    for (const name of MECHANISM_NAMES) out[name] = this[name].snapshot();
    return out;
  }
}

/** What one histogram did between two snapshots. */
export interface MechanismWindow {
  /** Observations in the window (e.g. writes+fsyncs, AppendEntries, apply batches). */
  readonly count: number;
  /** Mean observed value (e.g. entries per write); 0 when nothing was observed. */
  readonly mean: number;
  /** Upper bound of the highest non-empty bucket (a power of two, exact for 1 and 2); 0 when empty. */
  readonly max: number;
}

/** The window `later − earlier` of one histogram (both cumulative snapshots of the same node). */
export function windowOf(earlier: CountHistogramSnapshot, later: CountHistogramSnapshot): MechanismWindow {
  const count = later.count - earlier.count;
  let max = 0;
  for (let i = later.buckets.length - 1; i >= 0; i--) {
    if (later.buckets[i]! - (earlier.buckets[i] ?? 0) > 0) {
      max = BUCKET_BOUNDS[i] ?? 2 ** (MAX_EXP + 1);
      break;
    }
  }
  return { count, mean: count > 0 ? (later.sum - earlier.sum) / count : 0, max };
}
