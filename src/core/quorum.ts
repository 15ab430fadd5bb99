// Majority arithmetic as pure functions (etcd-io/raft quorum/majority.go), kept apart so they can be
// unit-tested and benchmarked on their own.

import type { NodeId } from "./types.ts";

/**
 * The largest index that a majority of `acked` values has reached: sort descending and take the
 * value at position ⌊n/2⌋. Used for the commit index (match indexes) and for ReadIndex rounds.
 */
export function majorityIndex(acked: readonly number[]): number {
  const n = acked.length;
  if (n === 0) return 0;
  // Insertion sort: clusters are small, and this avoids the comparator calls of Array#sort.
  const s = acked.slice();
  for (let i = 1; i < n; i++) {
    const v = s[i]!;
    let j = i - 1;
    while (j >= 0 && s[j]! < v) {
      s[j + 1] = s[j]!;
      j--;
    }
    s[j + 1] = v;
  }
  return s[n >> 1]!;
}

export type VoteResult = "won" | "lost" | "pending";

/** The outcome of an election among `voters` given the answers so far (true = granted). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const q = (voters.length >> 1) + 1;
  let granted = 0;
  let missing = 0;
  for (const v of voters) {
    const g = votes.get(v);
    if (g === undefined) missing++;
    else if (g) granted++;
  }
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}

/** Whether `count` of `voters.length` members form a majority. */
export function isMajority(count: number, voters: number): boolean {
  return count >= (voters >> 1) + 1;
}
