// Unit tests of the core's small parts: the inflight window, progress states, majority arithmetic,
// the log (truncation, term lookup, stable marking), config validation and flag spelling.

import { describe, expect, it } from "vitest";
import { ConfigError, configFromFlags, DEFAULTS, type RaftConfig, validateConfig } from "../../src/core/config.ts";
import { allCombos, formatFlags, parseFlagList, parseFlags } from "../../src/core/flags.ts";
import { Inflights } from "../../src/core/inflights.ts";
import { initialConf } from "../../src/core/membership.ts";
import { Progress } from "../../src/core/progress.ts";
import { majorityIndex, voteResult } from "../../src/core/quorum.ts";
import { RaftLog } from "../../src/core/raft-log.ts";
import type { Entry } from "../../src/core/types.ts";
import { MemLog } from "./support/mem-log.ts";

const ent = (index: number, term: number, data = ""): Entry => ({ index, term, data: new TextEncoder().encode(data) });

describe("Inflights (the pipelining window)", () => {
  it("fills by count and frees acknowledged messages in order", () => {
    const w = new Inflights(3, 0);
    w.add(5, 10);
    w.add(7, 10);
    expect(w.full()).toBe(false);
    w.add(9, 10);
    expect(w.full()).toBe(true);
    expect(() => w.add(10, 1)).toThrow();
    w.freeLE(7);
    expect(w.count).toBe(1);
    expect(w.bytes).toBe(10);
    w.add(12, 1);
    w.add(13, 1);
    expect(w.full()).toBe(true);
    w.freeLE(100);
    expect(w.count).toBe(0);
  });

  it("fills by bytes once the outstanding payload reaches the limit", () => {
    const w = new Inflights(100, 1000);
    w.add(1, 600);
    expect(w.full()).toBe(false);
    w.add(2, 400);
    expect(w.full()).toBe(true);
    w.freeLE(1);
    expect(w.full()).toBe(false);
    expect(w.bytes).toBe(400);
  });
});

describe("Progress", () => {
  it("probe sends one append at a time, replicate streams within the window", () => {
    const pr = new Progress(5, 2, 0);
    expect(pr.shouldSendAppend(10, 0)).toBe(true);
    pr.sentAppend(3, 30, 0);
    expect(pr.next).toBe(5); // probe does not advance next optimistically
    expect(pr.shouldSendAppend(10, 0)).toBe(false);
    expect(pr.maybeUpdate(7)).toBe(true);
    pr.becomeReplicate();
    expect(pr.next).toBe(8);
    pr.sentAppend(1, 1, 0);
    pr.sentAppend(1, 1, 0);
    expect(pr.next).toBe(10);
    expect(pr.inflights.full()).toBe(true);
    expect(pr.shouldSendAppend(12, 0)).toBe(false);
    pr.inflights.freeLE(8);
    expect(pr.shouldSendAppend(12, 0)).toBe(true);
  });

  it("a rejection in replicate falls back to match+1; stale rejections are ignored", () => {
    const pr = new Progress(1, 4, 0);
    pr.maybeUpdate(5);
    pr.becomeReplicate();
    pr.sentAppend(3, 3, 0);
    expect(pr.maybeDecrTo(4, 0)).toBe(false); // <= match: stale
    expect(pr.maybeDecrTo(8, 6)).toBe(true);
    expect(pr.next).toBe(6);
  });

  it("in probe, uses the follower's hint but never goes below match+1", () => {
    const pr = new Progress(11, 4, 0);
    pr.maybeUpdate(2);
    pr.next = 11;
    expect(pr.maybeDecrTo(9, 3)).toBe(false); // not the last probe
    expect(pr.maybeDecrTo(10, 4)).toBe(true);
    expect(pr.next).toBe(5);
    pr.next = 5;
    expect(pr.maybeDecrTo(4, 0)).toBe(true);
    expect(pr.next).toBe(3);
  });

  it("after a snapshot, probing resumes past the snapshot", () => {
    const pr = new Progress(1, 4, 0);
    pr.becomeSnapshot(20);
    expect(pr.shouldSendAppend(30, 0)).toBe(false);
    pr.becomeProbe();
    expect(pr.next).toBe(21);
  });

  it("can push a new commit index even with a full window", () => {
    const pr = new Progress(1, 1, 0);
    pr.becomeReplicate();
    pr.sentAppend(1, 1, 0);
    expect(pr.inflights.full()).toBe(true);
    expect(pr.shouldSendAppend(1, 1)).toBe(true);
    pr.sentAppend(0, 0, 1);
    expect(pr.shouldSendAppend(1, 1)).toBe(false);
  });
});

describe("quorum", () => {
  it("majorityIndex is the highest index a majority has reached", () => {
    expect(majorityIndex([5])).toBe(5);
    expect(majorityIndex([5, 1, 3])).toBe(3);
    expect(majorityIndex([5, 4, 1, 1])).toBe(1); // 4 voters need 3
    expect(majorityIndex([9, 2, 7, 7, 1])).toBe(7);
    expect(majorityIndex([1, 2, 3, 4, 5, 6, 7])).toBe(4);
  });

  it("voteResult: won, lost, or pending while the missing votes could decide", () => {
    const v = [1, 2, 3, 4, 5];
    expect(
      voteResult(
        v,
        new Map([
          [1, true],
          [2, true],
        ]),
      ),
    ).toBe("pending");
    expect(
      voteResult(
        v,
        new Map([
          [1, true],
          [2, true],
          [3, true],
        ]),
      ),
    ).toBe("won");
    expect(
      voteResult(
        v,
        new Map([
          [1, true],
          [2, false],
          [3, false],
          [4, false],
        ]),
      ),
    ).toBe("lost");
  });
});

describe("RaftLog", () => {
  const withStable = (ents: Entry[]): RaftLog => {
    const m = new MemLog();
    m.append(ents);
    m.setHardState({ term: 2, vote: 1, commit: 1 });
    return new RaftLog(m, initialConf([1, 2, 3]));
  };

  it("looks terms up in the stable and unstable parts; undefined outside the log", () => {
    const log = withStable([ent(1, 1), ent(2, 1)]);
    log.append([ent(3, 2), ent(4, 2)]);
    expect(log.term(0)).toBe(0);
    expect(log.term(2)).toBe(1);
    expect(log.term(4)).toBe(2);
    expect(log.term(5)).toBeUndefined();
    expect(log.lastIndex()).toBe(4);
    expect(log.stableIndex()).toBe(2);
  });

  it("truncates a conflicting suffix, including stable entries, and never below commit", () => {
    const log = withStable([ent(1, 1), ent(2, 1), ent(3, 1)]);
    expect(log.maybeAppend(1, 1, 0, [ent(2, 1), ent(3, 3), ent(4, 3)])).toBe(4);
    expect(log.term(3)).toBe(3);
    expect(log.stableIndex()).toBe(2);
    // A message rewriting the committed entry 1 is refused.
    expect(log.maybeAppend(0, 0, 0, [ent(1, 9)])).toBeUndefined();
    expect(log.term(1)).toBe(1);
  });

  it("rejects an append whose previous entry does not match", () => {
    const log = withStable([ent(1, 1), ent(2, 1)]);
    expect(log.maybeAppend(2, 2, 0, [ent(3, 2)])).toBeUndefined();
    expect(log.findConflictByTerm(2, 2)).toEqual({ index: 2, term: 1 });
    expect(log.findConflictByTerm(2, 0)).toEqual({ index: 0, term: 0 });
  });

  it("marks entries stable only if the written suffix was not replaced meanwhile", () => {
    const log = withStable([ent(1, 1)]);
    log.append([ent(2, 1), ent(3, 1)]);
    log.acceptUnstable(1, true);
    log.append([ent(3, 2)]); // replaces 3 while Ready 1 is being written
    log.acceptUnstable(2, true);
    log.persisted(1);
    expect(log.stableIndex()).toBe(2);
    log.persisted(2);
    expect(log.stableIndex()).toBe(3);
  });

  it("hands out committed entries within maxApplyBytes (at least one)", () => {
    const log = withStable([ent(1, 1, "aaaa"), ent(2, 1, "bbbb"), ent(3, 1, "cccc")]);
    log.commitTo(3);
    expect(log.nextCommittedEntries(5).map((e) => e.index)).toEqual([1]);
    expect(log.nextCommittedEntries(8).map((e) => e.index)).toEqual([1, 2]);
    log.acceptApplying(2);
    expect(log.nextCommittedEntries(1).map((e) => e.index)).toEqual([3]);
  });

  it("reports compacted entries as unavailable (null) so the leader sends a snapshot", () => {
    const m = new MemLog();
    m.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    m.compact(2, new Uint8Array(0), initialConf([1]));
    const log = new RaftLog(m, initialConf([1, 2, 3]));
    expect(log.firstIndex()).toBe(3);
    expect(log.term(2)).toBe(1);
    expect(log.term(1)).toBeUndefined();
    expect(log.entriesFrom(1, 10, 100)).toBeNull();
    expect(log.entriesFrom(3, 10, 100)?.map((e) => e.index)).toEqual([3]);
  });
});

describe("config validation names the invalid field", () => {
  const good: RaftConfig = { ...DEFAULTS, id: 1, voters: [1, 2, 3] };
  const cases: [string, Partial<RaftConfig>][] = [
    ["id", { id: 0 }],
    ["voters", { voters: [1, 1, 2] }],
    ["voters", { voters: [2, 3] }],
    ["voters", { voters: [1, -2] }],
    ["heartbeatTicks", { heartbeatTicks: 0 }],
    ["electionTicks", { electionTicks: 1.5 }],
    ["electionTicks", { electionTicks: 2, heartbeatTicks: 2 }],
    ["readOnly", { readOnly: "fast" as "safe" }],
    ["readOnly", { readOnly: "lease", checkQuorum: false }],
    ["maxBatchEntries", { maxBatchEntries: 0 }],
    ["maxBatchBytes", { maxBatchBytes: -1 }],
    ["maxInflight", { maxInflight: 0 }],
    ["maxInflightBytes", { maxInflightBytes: -1 }],
    ["maxApplyBytes", { maxApplyBytes: 0 }],
    ["maxEntryBytes", { maxEntryBytes: 0 }],
    ["seed", { seed: 0.5 }],
  ];
  it("accepts the defaults", () => expect(() => validateConfig(good)).not.toThrow());
  for (const [field, patch] of cases) {
    it(`${field}: ${JSON.stringify(patch)}`, () => {
      let err: unknown;
      try {
        validateConfig({ ...good, ...patch });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as Error).message).toContain(field);
    });
  }
  it("flags are policies: batch off = 1 entry, pipeline off = window 1", () => {
    const off = configFromFlags(1, [1], parseFlags("none"));
    expect([off.maxBatchEntries, off.maxInflight, off.parallelAppend]).toEqual([1, 1, false]);
    const on = configFromFlags(1, [1], parseFlags("all"));
    expect([on.maxBatchEntries, on.maxInflight, on.parallelAppend]).toEqual([
      DEFAULTS.maxBatchEntries,
      DEFAULTS.maxInflight,
      true,
    ]);
  });
});

describe("flags", () => {
  it("parses any order and formats canonically", () => {
    expect(formatFlags(parseFlags("pipeline+batch"))).toBe("batch+pipeline");
    expect(formatFlags(parseFlags("none"))).toBe("none");
    expect(formatFlags(parseFlags("all"))).toBe("batch+pipeline+parallel-append+async-apply");
    expect(() => parseFlags("batch+turbo")).toThrow(/turbo/);
  });
  it("all-combos is the sixteen, deduplicated in lists", () => {
    expect(allCombos().map(formatFlags)).toHaveLength(16);
    expect(new Set(allCombos().map(formatFlags)).size).toBe(16);
    expect(parseFlagList("none,all-combos,batch").map(formatFlags)).toHaveLength(16);
    expect(parseFlagList("batch,none").map(formatFlags)).toEqual(["batch", "none"]);
  });
});
