import { describe, expect, it } from "vitest";
import { MemoryStore, type Survivors } from "../../src/storage/memory-store.ts";
import { dump, entries, entry, snapshotAt } from "./helpers.ts";

/**
 * A MemoryStore whose sync completions run when the test says (the simulator's disk); a crash keeps
 * `survivors(n)` of a file's n unsynced writes (default none).
 */
function harness(survivors?: Survivors) {
  const scheduled: (() => void)[] = [];
  const store = new MemoryStore((cb) => scheduled.push(cb), survivors);
  const completed: string[] = [];
  const sync = (name: string): void => store.sync((err) => completed.push(err ? `${name}:${err.message}` : name));
  const runAll = (): void => {
    for (const cb of scheduled.splice(0)) cb();
  };
  return { store, scheduled, completed, sync, runAll };
}

describe("MemoryStore", () => {
  it("serves writes at once and keeps what a completed sync covered across a crash", () => {
    const { store, sync, runAll, completed } = harness();
    store.append(entries(1, 3, 1));
    store.setHardState({ term: 1, vote: 1, commit: 2 });
    sync("a");
    runAll();
    expect(completed).toEqual(["a"]);
    store.append([entry(4, 1)]);
    store.setHardState({ term: 2, vote: 3, commit: 3 });
    expect(store.lastIndex()).toBe(4);
    store.crash();
    expect(dump(store).map(([i]) => i)).toEqual([1, 2, 3]);
    expect(store.initialState().hardState).toEqual({ term: 1, vote: 1, commit: 2 });
  });

  it("a sync covers only writes before it, and its callback never fires after a crash", () => {
    const { store, sync, scheduled, completed } = harness();
    store.append(entries(1, 2, 1));
    sync("a");
    store.append([entry(3, 1)]); // after the sync call: not covered by it
    sync("b");
    scheduled[0]!(); // a's fsync completes
    store.crash();
    scheduled[1]!(); // b's virtual fsync "completes" after the crash: ignored
    expect(completed).toEqual(["a"]);
    expect(store.lastIndex()).toBe(2);
  });

  it("callbacks fire in call order even if the scheduler completes them out of order", () => {
    const { store, sync, scheduled, completed } = harness();
    store.append([entry(1, 1)]);
    sync("a");
    store.append([entry(2, 1)]);
    sync("b");
    scheduled[1]!();
    expect(completed).toEqual([]); // b waits for a
    scheduled[0]!();
    expect(completed).toEqual(["a", "b"]);
    store.crash();
    expect(store.lastIndex()).toBe(2);
  });

  it("an unsynced truncation is undone by a crash; a synced one is not", () => {
    const { store, sync, runAll } = harness();
    store.append(entries(1, 4, 1));
    sync("a");
    runAll();
    store.append([entry(2, 2)]);
    store.crash();
    expect(dump(store).map(([, t]) => t)).toEqual([1, 1, 1, 1]);
    store.append([entry(2, 2)]);
    sync("b");
    runAll();
    store.crash();
    expect(dump(store).map(([i, t]) => [i, t])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it("snapshots: an unsynced install vanishes on a crash; compaction keeps the tail", () => {
    const { store, sync, runAll } = harness();
    store.append(entries(1, 10, 1));
    sync("a");
    runAll();
    store.applySnapshot(snapshotAt(12, 2));
    expect([store.firstIndex(), store.lastIndex()]).toEqual([13, 12]);
    store.crash();
    expect([store.firstIndex(), store.lastIndex()]).toEqual([1, 10]);
    store.compact(snapshotAt(5, 1));
    sync("b");
    runAll();
    store.crash();
    expect([store.firstIndex(), store.lastIndex(), store.term(5)]).toEqual([6, 10, 1]);
    expect(store.snapshot().meta.index).toBe(5);
  });

  it("a crash keeps a prefix of each file's unsynced writes, chosen per file", () => {
    const asked: string[] = [];
    const { store, sync, runAll } = harness((file, n) => (asked.push(`${file}:${n}`), n - 1));
    store.append(entries(1, 2, 1));
    sync("a");
    runAll();
    store.append([entry(3, 1)]);
    store.append([entry(4, 1)]);
    store.setHardState({ term: 2, vote: 1, commit: 0 }); // a hard-state file write, no commit record
    store.setHardState({ term: 3, vote: 2, commit: 0 });
    store.crash();
    expect(asked).toEqual(["log:2", "hardState:2"]);
    expect(dump(store).map(([i]) => i)).toEqual([1, 2, 3]);
    expect(store.initialState().hardState).toEqual({ term: 2, vote: 1, commit: 0 });
  });

  it("a hard-state file write that outlives the log never carries a commit the log lost", () => {
    // Entries 3..5 of term 1 were never committed; a leader of term 2 overwrites 3..4 and commits
    // them in the Ready that raises the term. The crash keeps the hard-state file, not the log.
    const { store, sync, runAll } = harness((file, n) => (file === "hardState" ? n : 0));
    store.append(entries(1, 5, 1));
    store.setHardState({ term: 1, vote: 1, commit: 2 });
    sync("a");
    runAll();
    store.append([entry(3, 2), entry(4, 2)]);
    store.setHardState({ term: 2, vote: 0, commit: 4 });
    store.crash();
    expect(dump(store).map(([i, t]) => [i, t])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
    expect(store.initialState().hardState).toEqual({ term: 2, vote: 0, commit: 2 });
  });

  it("rejects an append that would leave a gap, without recording it", () => {
    const { store, sync, runAll } = harness();
    store.append(entries(1, 2, 1));
    expect(() => store.append([entry(5, 1)])).toThrow(/cannot append at index 5/);
    sync("a");
    runAll();
    store.crash();
    expect(store.lastIndex()).toBe(2);
  });
});
