// Raft's safety properties, checked as the simulation runs. The simulator reports what each node
// does to its log (appends, snapshots, compactions, recovery after a crash), what it applies, and
// its role/term/commit after every event; the first property broken throws an InvariantViolation
// naming the property, the node, the index and the virtual time.
//
// Logs are tracked as chain hashes: the hash at index i covers every entry up to i, so "same index
// and term ⇒ same chain hash" is exactly Log Matching (§5.3), and comparing one number compares a
// whole prefix.
//
// Configurations change while the run goes on, so two checks hold leaders to the configuration in
// force on them: a new leader is a voter of it, and each commit a leader makes is durable on a
// majority of its voters (learners, and members of other configurations, do not count).

import type { HistoryEvent, Value } from "../check/history.ts";
import type { Entry, NodeId, Role } from "../core/types.ts";
import { extendHash, HASH_START, type Hash53 } from "./digest.ts";
import type { Nanos } from "./scheduler.ts";

export type InvariantName =
  | "election safety"
  | "commit quorum"
  | "log matching"
  | "leader completeness"
  | "state machine safety"
  | "no acknowledged write lost";

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: InvariantName,
    readonly node: NodeId,
    readonly index: number,
    readonly time: Nanos,
    detail: string,
  ) {
    super(`${invariant} violated on node ${node} at index ${index}, t=${formatTime(time)}: ${detail}`);
    this.name = "InvariantViolation";
  }
}

export function formatTime(ns: Nanos): string {
  return `${(ns / 1e6).toFixed(3)}ms`;
}

const chain = (prev: Hash53, e: { index: number; term: number; data: Uint8Array }): Hash53 =>
  extendHash(prev, [e.index, e.term], e.data);

/** One node's log as the invariants see it: chain hashes of indexes base+1..last. */
class LogView {
  base = 0;
  baseHash: Hash53 = HASH_START;
  readonly hashes: Hash53[] = [];
  readonly terms: number[] = [];

  get last(): number {
    return this.base + this.hashes.length;
  }

  /** Chain hash at `i`, or undefined when `i` is outside the view (compacted or beyond the end). */
  hashAt(i: number): Hash53 | undefined {
    if (i === this.base) return this.baseHash;
    return i > this.base && i <= this.last ? this.hashes[i - this.base - 1] : undefined;
  }

  termAt(i: number): number | undefined {
    return i > this.base && i <= this.last ? this.terms[i - this.base - 1] : undefined;
  }

  reset(index: number, hash: Hash53): void {
    this.base = index;
    this.baseHash = hash;
    this.hashes.length = 0;
    this.terms.length = 0;
  }
}

export interface NodeObservation {
  readonly role: Role;
  readonly term: number;
  readonly commit: number;
  /** The voters of the configuration in force on the node. */
  readonly voters: readonly NodeId[];
}

/** Whether `node` holds entry (index, term) durably: it survives a crash of that node now. */
export type DurableProbe = (node: NodeId, index: number, term: number) => boolean;

export class Invariants {
  private readonly logs = new Map<NodeId, LogView>();
  /** `index:term` → chain hash, over every entry any node has ever had. */
  private readonly chains = new Map<string, Hash53>();
  /** term → its leader. */
  private readonly leaders = new Map<number, NodeId>();
  /** term → the furthest commit its leader reached, with the chain hash there. */
  private readonly commitMarks = new Map<number, { index: number; hash: Hash53 }>();
  /** term → the commit index of its leader when last checked against a quorum. */
  private readonly quorumChecked = new Map<number, number>();
  /** Applied chain: index → chain hash of the applied prefix ending there (the same on every node). */
  private readonly applied: Hash53[] = [HASH_START];
  private readonly appliedAt = new Map<NodeId, { index: number; hash: Hash53 }>();
  private checks = 0;

  constructor(
    private readonly now: () => Nanos,
    private readonly durable: DurableProbe,
  ) {}

  /** Number of individual property checks made (for the run summary). */
  get checked(): number {
    return this.checks;
  }

  private view(node: NodeId): LogView {
    let v = this.logs.get(node);
    if (v === undefined) {
      v = new LogView();
      this.logs.set(node, v);
    }
    return v;
  }

  private fail(inv: InvariantName, node: NodeId, index: number, detail: string): never {
    throw new InvariantViolation(inv, node, index, this.now(), detail);
  }

  /** The store appended `entries`, truncating whatever followed `entries[0].index - 1`. */
  onAppend(node: NodeId, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const v = this.view(node);
    const first = entries[0]!.index;
    if (first <= v.base || first > v.last + 1) {
      this.fail("log matching", node, first, `append at ${first} does not continue the log (${v.base + 1}..${v.last})`);
    }
    const committed = this.committedIndex();
    for (let i = first; i <= Math.min(v.last, committed); i++) {
      if (v.hashAt(i) === this.applied[i] && chainDiffers(v, i, entries, first)) {
        this.fail("leader completeness", node, i, `a committed entry (term ${v.termAt(i)}) was overwritten`);
      }
    }
    v.hashes.length = first - v.base - 1;
    v.terms.length = first - v.base - 1;
    let h = v.hashAt(first - 1)!;
    for (const e of entries) {
      h = chain(h, e);
      v.hashes.push(h);
      v.terms.push(e.term);
      this.recordChain(node, e.index, e.term, h);
    }
  }

  /**
   * The store installed a leader's snapshot covering up to (index, term): the entries after it stay
   * if the log holds that entry, otherwise the log is emptied (as LogWriter.applySnapshot says).
   */
  onSnapshot(node: NodeId, index: number, term: number): void {
    const v = this.view(node);
    if (index > v.base && v.termAt(index) === term) this.onCompact(node, index);
    else v.reset(index, this.knownChain(node, index, term));
  }

  /** The store dropped its log up to `index` (kept in a local snapshot). */
  onCompact(node: NodeId, index: number): void {
    const v = this.view(node);
    if (index <= v.base) return;
    const hash = v.hashAt(index);
    if (hash === undefined) this.fail("log matching", node, index, `compacted past the end of the log (${v.last})`);
    const drop = index - v.base;
    v.hashes.splice(0, drop);
    v.terms.splice(0, drop);
    v.base = index;
    v.baseHash = hash;
  }

  /** After a crash: the log is what the store kept (its snapshot, then `entries`). */
  onRecover(node: NodeId, snapIndex: number, snapTerm: number, entries: readonly Entry[]): void {
    this.view(node).reset(snapIndex, this.knownChain(node, snapIndex, snapTerm));
    this.onAppend(node, entries);
    this.appliedAt.delete(node);
  }

  /** The node's state machine applied `entry`. */
  onApply(node: NodeId, entry: Entry): void {
    const at = this.appliedAt.get(node) ?? { index: 0, hash: HASH_START };
    if (entry.index !== at.index + 1) {
      this.fail("state machine safety", node, entry.index, `applied out of order (previous applied index ${at.index})`);
    }
    const hash = chain(at.hash, entry);
    const known = this.applied[entry.index];
    if (known === undefined) this.applied[entry.index] = hash;
    else if (known !== hash) {
      this.fail(
        "state machine safety",
        node,
        entry.index,
        `applied entry (term ${entry.term}) differs from what another node applied there`,
      );
    }
    this.appliedAt.set(node, { index: entry.index, hash });
  }

  /** The node's state machine was restored from a snapshot at `index`. */
  onRestore(node: NodeId, index: number): void {
    const hash = this.applied[index];
    if (hash === undefined) {
      this.fail(
        "state machine safety",
        node,
        index,
        `restored a snapshot at ${index}, beyond anything any node applied`,
      );
    }
    this.appliedAt.set(node, { index, hash });
  }

  /** The node's role, term and commit index after an event. */
  onStatus(node: NodeId, s: NodeObservation): void {
    this.checks++;
    if (s.role !== "leader") return;
    const known = this.leaders.get(s.term);
    if (known === undefined) {
      this.leaders.set(s.term, node);
      if (!s.voters.includes(node)) {
        this.fail("election safety", node, 0, `leader of term ${s.term} is no voter of its configuration`);
      }
      this.checkCompleteness(node, s.term);
      // Its commit index so far is inherited; what it commits from now on must be on a quorum.
      this.quorumChecked.set(s.term, s.commit);
    } else if (known !== node) {
      this.fail("election safety", node, 0, `nodes ${known} and ${node} are both leaders of term ${s.term}`);
    } else if (s.commit > this.quorumChecked.get(s.term)!) {
      this.checkCommitQuorum(node, s);
    }
    const mark = this.commitMarks.get(s.term);
    if (mark !== undefined && s.commit <= mark.index) return;
    const hash = this.view(node).hashAt(s.commit);
    if (hash !== undefined) this.commitMarks.set(s.term, { index: s.commit, hash });
  }

  /**
   * A leader commits only entries of its own term (by counting), so the entry at its new commit
   * index is (commit, term): a majority of the voters in force must hold it durably.
   */
  private checkCommitQuorum(node: NodeId, s: NodeObservation): void {
    this.quorumChecked.set(s.term, s.commit);
    const holders = s.voters.filter((v) => this.durable(v, s.commit, s.term));
    if (2 * holders.length <= s.voters.length) {
      this.fail(
        "commit quorum",
        node,
        s.commit,
        `leader of term ${s.term} committed it, but only ${holders.length > 0 ? `nodes ${holders.join(",")}` : "no node"} of voters ${s.voters.join(",")} hold it durably`,
      );
    }
  }

  /** A new leader of `term` must hold every entry that a leader of an earlier term committed (§5.4). */
  private checkCompleteness(node: NodeId, term: number): void {
    let need: { index: number; hash: Hash53 } | undefined;
    for (const [t, mark] of this.commitMarks)
      if (t < term && (need === undefined || mark.index > need.index)) need = mark;
    if (need === undefined) return;
    const v = this.view(node);
    if (need.index <= v.base) return; // covered by its snapshot
    const have = v.hashAt(need.index);
    if (have !== need.hash) {
      this.fail(
        "leader completeness",
        node,
        need.index,
        have === undefined
          ? `leader of term ${term} lacks committed entry ${need.index} (its log ends at ${v.last})`
          : `leader of term ${term} has a different entry at committed index ${need.index}`,
      );
    }
  }

  /** Highest index some state machine has applied. */
  committedIndex(): number {
    return this.applied.length - 1;
  }

  private recordChain(node: NodeId, index: number, term: number, hash: Hash53): void {
    this.checks++;
    const key = `${index}:${term}`;
    const known = this.chains.get(key);
    if (known === undefined) this.chains.set(key, hash);
    else if (known !== hash) {
      this.fail(
        "log matching",
        node,
        index,
        `entry of term ${term} matches another node's by index and term but their logs differ up to it`,
      );
    }
  }

  private knownChain(node: NodeId, index: number, term: number): Hash53 {
    if (index === 0) return HASH_START;
    const known = this.chains.get(`${index}:${term}`);
    if (known === undefined)
      this.fail("log matching", node, index, `snapshot at (${index}, term ${term}) matches no entry any node had`);
    return known;
  }
}

/** Whether appending `entries` (starting at `first`) changes the entry at `i`. */
function chainDiffers(v: LogView, i: number, entries: readonly Entry[], first: number): boolean {
  const e = entries[i - first];
  return e === undefined ? true : e.term !== v.termAt(i);
}

/**
 * At the end of a run, after healing: every acknowledged write (write or successful cas) is either
 * the final value of its key or was overwritten by an operation that did not finish before it began.
 * (Values are unique per write, so the final value names the last write; the linearizability checker
 * covers the rest.)
 */
export function checkAcknowledgedWrites(
  events: readonly HistoryEvent[],
  finalValue: (key: string) => Value,
  node: NodeId,
  time: Nanos,
): void {
  interface Write {
    value: string | null;
    invoked: number;
    /** Completion time of an acknowledged write; Infinity when unacknowledged. */
    acked: number;
  }
  const open = new Map<number, HistoryEvent>();
  const writes = new Map<string, Write[]>();
  for (const e of events) {
    if (e.type === "invoke") {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process);
    open.delete(e.process);
    if (inv === undefined || inv.f === "read" || e.type === "fail") continue;
    const value = inv.f === "cas" ? (inv.value as [Value, Value])[1] : (inv.value as Value);
    const list = writes.get(inv.key) ?? [];
    list.push({ value, invoked: inv.time, acked: e.type === "ok" ? e.time : Infinity });
    writes.set(inv.key, list);
  }
  for (const inv of open.values()) {
    if (inv.f === "read") continue;
    const value = inv.f === "cas" ? (inv.value as [Value, Value])[1] : (inv.value as Value);
    const list = writes.get(inv.key) ?? [];
    list.push({ value, invoked: inv.time, acked: Infinity });
    writes.set(inv.key, list);
  }
  for (const [key, list] of writes) {
    const acked = list.filter((w) => w.acked !== Infinity);
    if (acked.length === 0) continue;
    const final = finalValue(key);
    const last = list.find((w) => w.value === final);
    const fail = (detail: string) =>
      new InvariantViolation("no acknowledged write lost", node, 0, time, `key ${JSON.stringify(key)}: ${detail}`);
    if (last === undefined)
      throw fail(`final value ${JSON.stringify(final)} was not written by any operation that may have taken effect`);
    const later = acked.find((w) => w.invoked > last.acked);
    if (later !== undefined) {
      throw fail(
        `acknowledged write ${JSON.stringify(later.value)} was lost: the final value ${JSON.stringify(final)} was written before it began`,
      );
    }
  }
}
