// ReadIndex rounds (Raft thesis §6.4; etcd-io/raft read_only.go, with numbered rounds instead of
// per-request contexts). Each read registers the commit index at the time it arrived and a round
// number; every heartbeat carries the latest round in `ctx` and followers echo it back. Once a
// majority (the leader included) has echoed a round >= a read's round, the leader was still the
// leader after that read arrived, so the read may be served at its index.

import { majorityIndex } from "./quorum.ts";
import type { NodeId, ReadState } from "./types.ts";

interface PendingRead {
  readonly ctx: number;
  readonly index: number;
  readonly round: number;
}

export class ReadOnly {
  /** Latest round issued. Monotonic for the node's lifetime, so a stale echo never confirms a newer read. */
  private round = 0;
  private readonly acked = new Map<NodeId, number>();
  private pending: PendingRead[] = [];

  /** Registers a read at `index` and returns the round a heartbeat must carry to confirm it. */
  add(ctx: number, index: number): number {
    this.round++;
    this.pending.push({ ctx, index, round: this.round });
    return this.round;
  }

  /** The round heartbeats carry now. */
  currentRound(): number {
    return this.round;
  }

  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /**
   * A follower echoed `round`. Returns the reads now confirmed by a majority of `voters`
   * (`self` counts as having acknowledged every round).
   */
  recvAck(from: NodeId, round: number, self: NodeId, voters: readonly NodeId[]): ReadState[] {
    if (round > this.round || round <= (this.acked.get(from) ?? 0)) return [];
    this.acked.set(from, round);
    if (this.pending.length === 0) return [];
    const rounds = voters.map((v) => (v === self ? this.round : (this.acked.get(v) ?? 0)));
    const confirmed = majorityIndex(rounds);
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.round <= confirmed) n++;
    if (n === 0) return [];
    const done = this.pending.slice(0, n);
    this.pending = this.pending.slice(n);
    return done.map((r) => ({ ctx: r.ctx, index: r.index }));
  }

  /** Drops pending reads and acknowledgements (on any role change: they belong to one leadership). */
  reset(): void {
    this.acked.clear();
    this.pending = [];
  }
}
