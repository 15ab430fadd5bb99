// The leader's view of one follower (etcd-io/raft tracker/progress.go and design.md).
//
//  probe      the leader does not know where the follower's log ends: at most one AppendEntries per
//             heartbeat interval, stepping `next` back on each rejection (fast, with the follower's hint);
//  replicate  the follower's log is known: entries stream optimistically (`next` advances as they are
//             sent) within the inflight window;
//  snapshot   the follower needs entries the leader has compacted: an InstallSnapshot is in flight and
//             nothing else is sent until the follower acknowledges it (or the leader retries).

import { Inflights } from "./inflights.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append was sent and is awaiting an answer or the next heartbeat response. */
  probeSent = false;
  /** Highest commit index sent to the follower (so a new commit can be pushed without waiting). */
  sentCommit = 0;
  /** Snapshot state: index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Snapshot state: one CheckQuorum period has already passed without an answer. */
  snapshotStale = false;
  /** Heard from within the current election timeout (CheckQuorum). */
  recentActive = false;
  inflights: Inflights;

  constructor(next: number, maxInflight: number, maxInflightBytes: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  /** New window bounds (a flag switch); what is in flight stays counted. */
  setWindow(maxInflight: number, maxInflightBytes: number): void {
    this.inflights = this.inflights.resized(maxInflight, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotStale = false;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot's entries.
    const next = this.state === "snapshot" ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState("probe");
    this.next = next;
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** An acknowledgement up to `n`; false if it is stale. */
  maybeUpdate(n: number): boolean {
    if (n <= this.match) return false;
    this.match = n;
    this.next = Math.max(this.next, n + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * A rejection of the append whose previous index was `rejected`, with the follower's hint of where
   * the logs may match. False if the rejection is stale (etcd's MaybeDecrTo).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    // Probing sends one append at a time, so only the answer to the last one counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending `commit` could advance the follower's commit index. */
  canBumpCommit(commit: number): boolean {
    return commit > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Whether an append should go out now, given the leader's last index and commit index. */
  shouldSendAppend(lastIndex: number, commit: number): boolean {
    switch (this.state) {
      case "probe":
        return !this.probeSent;
      case "replicate":
        return (this.next <= lastIndex && !this.inflights.full()) || this.canBumpCommit(commit);
      case "snapshot":
        return false;
    }
  }

  /** Whether new entries may be put into the next append (the window has room). */
  canSendEntries(): boolean {
    return this.state === "probe" || (this.state === "replicate" && !this.inflights.full());
  }

  /** Records an append of `entries` entries (`bytes` of payload) carrying `commit`. */
  sentAppend(entries: number, bytes: number, commit: number): void {
    if (this.state === "replicate") {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
    this.sentCommit = Math.max(this.sentCommit, commit);
  }
}
