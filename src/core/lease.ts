// The leader's lease (thesis §6.4.1), on a monotonic clock. Every heartbeat round is stamped with the
// leader's clock when it is sent, and followers echo its number. A follower that accepted a
// heartbeat ignores other candidates until a whole election timeout of its own ticks has passed
// since (Raft.step's lease check; ticks never run faster than real time), so once a majority has
// echoed round r, no other leader can be elected before sentAt(r) + that timeout. The lease ends
// `leaseMs` after the latest round a majority echoed; `leaseMs` is shorter than the followers'
// guaranteed wait by the clock-drift bound the shell states (see RaftConfig.leaseMs).

import { majorityIndex } from "./quorum.ts";
import type { NodeId } from "./types.ts";

export class LeaderLease {
  private round = 0;
  /** Send time of each round not yet passed by a majority's echo. */
  private readonly sentAt = new Map<number, number>();
  private readonly acked = new Map<NodeId, number>();
  private expiresAt = Number.NEGATIVE_INFINITY;
  private revoked = false;

  constructor(private readonly leaseMs: number) {}

  /** A heartbeat round goes out at `now`; returns the number it carries. */
  send(now: number): number {
    this.round++;
    this.sentAt.set(this.round, now);
    return this.round;
  }

  /** `from` echoed `round`; the lease extends to the send time of the round a majority has echoed. */
  ack(from: NodeId, round: number, self: NodeId, voters: readonly NodeId[]): void {
    if (round > this.round || round <= (this.acked.get(from) ?? 0)) return;
    this.acked.set(from, round);
    const quorumRound = majorityIndex(voters.map((v) => (v === self ? this.round : (this.acked.get(v) ?? 0))));
    const sent = this.sentAt.get(quorumRound);
    if (sent === undefined) return;
    this.expiresAt = Math.max(this.expiresAt, sent + this.leaseMs);
    for (const r of this.sentAt.keys()) if (r <= quorumRound) this.sentAt.delete(r);
  }

  /** Whether reads may be served from the lease at `now`. */
  valid(now: number): boolean {
    return !this.revoked && now < this.expiresAt;
  }

  /**
   * Ends the lease for the rest of this leadership: once the leader has told a follower to campaign
   * (a transfer), that follower's votes set every lease aside, whenever its campaign arrives.
   */
  revoke(): void {
    this.revoked = true;
  }
}
