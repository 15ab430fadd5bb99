import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CompactedError } from "../../src/core/log-reader.ts";
import { confEntry, decodeConfState, initialConf } from "../../src/core/membership.ts";
import { EntryType } from "../../src/core/types.ts";
import { decodeHardState } from "../../src/storage/codec.ts";
import { StorageLockedError } from "../../src/storage/errors.ts";
import { FileStore } from "../../src/storage/file-store.ts";
import { readProcStat } from "../../src/storage/proc-stat.ts";
import { RecordType } from "../../src/storage/record.ts";
import { readSingleRecordFile } from "../../src/storage/segment-files.ts";
import { waitUntil } from "../support/wait.ts";
import {
  dump,
  entries,
  entry,
  killStore,
  removeTempDirs,
  segmentFiles,
  snapshotAt,
  syncOf,
  tempDir,
} from "./helpers.ts";

afterEach(removeTempDirs);

/** Closes `store` and opens its directory again, as a restart would. */
function reopen(store: FileStore, dir: string, opts = {}): FileStore {
  store.close();
  return FileStore.open(dir, opts);
}

describe("FileStore", () => {
  it("reads back appended entries at once and after a restart", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    expect([s.firstIndex(), s.lastIndex()]).toEqual([1, 0]);
    s.append(entries(1, 3, 1));
    s.append([entry(4, 2, "x".repeat(1000))]);
    expect(s.lastIndex()).toBe(4); // visible before sync
    await syncOf(s);
    s = reopen(s, dir);
    expect(dump(s)).toEqual([
      [1, 1, "e1"],
      [2, 1, "e2"],
      [3, 1, "e3"],
      [4, 2, "x".repeat(1000)],
    ]);
    expect(s.term(4)).toBe(2);
    expect(s.entries(1, 5, 4).map((e) => e.index)).toEqual([1, 2]); // maxBytes: "e1"+"e2"
    expect(s.entries(4, 5, 0).length).toBe(1); // at least one
    s.close();
  });

  it("keeps configuration entries and a snapshot's configuration across a restart", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    const conf = { voters: [1, 2, 3], learners: [4], addresses: { 4: "http://h:7004 ws://h:7104" } };
    s.append([entry(1, 1), confEntry(2, 1, conf), entry(3, 1)]);
    await syncOf(s);
    s = reopen(s, dir);
    const [e1, e2, e3] = s.entries(1, 4, Infinity);
    expect([e1!.type, e2!.type, e3!.type]).toEqual([undefined, EntryType.ConfChange, undefined]);
    expect(decodeConfState(e2!.data)).toEqual(conf);
    s.compact({ meta: { index: 3, term: 1, conf }, data: new Uint8Array(0) });
    s = reopen(s, dir);
    expect(s.snapshot().meta.conf).toEqual(conf);
    s.close();
  });

  it("makes a suffix truncation durable: the replaced entries stay replaced after restart", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    s.append(entries(1, 5, 1));
    await syncOf(s);
    s.append([entry(3, 2, "new3"), entry(4, 2, "new4")]);
    expect(s.lastIndex()).toBe(4);
    await syncOf(s);
    s = reopen(s, dir);
    expect(dump(s)).toEqual([
      [1, 1, "e1"],
      [2, 1, "e2"],
      [3, 2, "new3"],
      [4, 2, "new4"],
    ]);
    s.append([entry(5, 2, "new5")]);
    await syncOf(s);
    s = reopen(s, dir);
    expect(s.lastIndex()).toBe(5);
    expect(s.term(5)).toBe(2);
    s.close();
  });

  it("keeps term and vote in the hard-state file and commit-only changes in the log", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    s.setHardState({ term: 3, vote: 2, commit: 0 });
    s.append(entries(1, 6, 3));
    s.setHardState({ term: 3, vote: 2, commit: 4 });
    s.setHardState({ term: 3, vote: 2, commit: 5 });
    await syncOf(s);
    // The commit-only changes did not rewrite the file...
    const file = readSingleRecordFile(path.join(dir, "hardstate"), RecordType.HardState);
    expect(decodeHardState(file.payload)).toEqual({ term: 3, vote: 2, commit: 0 });
    // ...but survive a restart through their log records.
    s = reopen(s, dir);
    expect(s.initialState().hardState).toEqual({ term: 3, vote: 2, commit: 5 });
    s.setHardState({ term: 4, vote: 0, commit: 5 });
    s = reopen(s, dir); // term/vote are durable without a sync
    expect(s.initialState().hardState).toEqual({ term: 4, vote: 0, commit: 5 });
    s.close();
  });

  it("a term change never makes a commit durable ahead of the entries it covers", async () => {
    // A follower holds an uncommitted suffix of term 1; a leader of term 2 overwrites it and commits
    // in the same Ready that raises the term. Buffered mode: a kill -9 before the fdatasync loses
    // the new entries, so the term-1 entries at 3..5 are what a restart finds.
    const dir = tempDir();
    const s = FileStore.open(dir, { mode: "buffered" });
    s.setHardState({ term: 1, vote: 1, commit: 0 });
    s.append(entries(1, 5, 1));
    s.setHardState({ term: 1, vote: 1, commit: 2 });
    await syncOf(s);
    s.append([entry(3, 2, "new3"), entry(4, 2, "new4")]);
    s.setHardState({ term: 2, vote: 0, commit: 4 });
    killStore(dir);
    const after = FileStore.open(dir, { mode: "buffered" });
    expect(dump(after).map(([i, t]) => [i, t])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
    // The term change is durable, but the commit index must not cover the never-committed 3 and 4.
    expect(after.initialState().hardState).toEqual({ term: 2, vote: 0, commit: 2 });
    after.close();
  });

  it("rolls segments at the size threshold and recovers across them", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir, { segmentBytes: 256 });
    for (let i = 1; i <= 40; i++) s.append([entry(i, 1)]);
    await syncOf(s);
    expect(segmentFiles(dir).length).toBeGreaterThan(3);
    expect(s.stats().segments).toBe(segmentFiles(dir).length);
    s = reopen(s, dir, { segmentBytes: 256 });
    expect(dump(s)).toEqual(entries(1, 40, 1).map((e) => [e.index, 1, `e${e.index}`]));
    s.close();
  });

  it("compacts: removes covered segments; a restart reads the snapshot and the rest of the log", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir, { segmentBytes: 256 });
    for (let i = 1; i <= 50; i++) s.append([entry(i, 2)]);
    s.setHardState({ term: 2, vote: 1, commit: 50 });
    await syncOf(s);
    const before = segmentFiles(dir).length;
    s.compact(snapshotAt(40, 2));
    expect(segmentFiles(dir).length).toBeLessThan(before);
    expect(s.firstIndex()).toBe(41);
    expect(() => s.term(39)).toThrow(CompactedError);
    expect(() => s.entries(40, 42, Infinity)).toThrow(CompactedError);
    s = reopen(s, dir, { segmentBytes: 256 });
    expect(s.snapshot().meta).toEqual({ index: 40, term: 2, conf: initialConf([1, 2, 3]) });
    expect(new TextDecoder().decode(s.snapshot().data)).toBe("state@40");
    expect(s.term(40)).toBe(2);
    expect(dump(s).map(([i]) => i)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    expect(s.initialState().hardState.commit).toBe(50);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".snap")).length).toBe(1);
    s.close();
  });

  it("installs a leader's snapshot that matches the log: the tail after it is kept", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    s.append(entries(1, 10, 1));
    await syncOf(s);
    s.applySnapshot(snapshotAt(6, 1));
    expect([s.firstIndex(), s.lastIndex()]).toEqual([7, 10]);
    s = reopen(s, dir);
    expect([s.firstIndex(), s.lastIndex(), s.term(6)]).toEqual([7, 10, 1]);
    s.close();
  });

  it("installs a leader's snapshot that conflicts with the log: the whole log is discarded", async () => {
    const dir = tempDir();
    let s = FileStore.open(dir);
    s.append(entries(1, 10, 1));
    await syncOf(s);
    s.applySnapshot(snapshotAt(8, 3));
    expect([s.firstIndex(), s.lastIndex(), s.term(8)]).toEqual([9, 8, 3]);
    s = reopen(s, dir); // entries 9 and 10 of term 1 must not come back
    expect([s.firstIndex(), s.lastIndex(), s.term(8)]).toEqual([9, 8, 3]);
    s.append([entry(9, 3, "after")]);
    await syncOf(s);
    s = reopen(s, dir);
    expect(s.snapshot().meta.index).toBe(8);
    expect(dump(s)).toEqual([[9, 3, "after"]]);
    s.close();
  });

  it("refuses a second opener of a live directory and takes over a stale lock", () => {
    const dir = tempDir();
    const s = FileStore.open(dir);
    expect(() => FileStore.open(dir)).toThrow(StorageLockedError);
    expect(() => FileStore.open(dir)).toThrow(new RegExp(`in use by process ${process.pid}`));
    s.close();
    fs.writeFileSync(path.join(dir, "LOCK"), "999999999\n"); // a pid no process has
    FileStore.open(dir).close();
    // This process's pid with another start time: the owner was an earlier process with this pid.
    fs.writeFileSync(path.join(dir, "LOCK"), `${process.pid} 1\n`);
    FileStore.open(dir).close();
  });

  it("takes over the lock of a node that exited but was never reaped (a zombie)", async () => {
    const dir = tempDir();
    // A parent that forks a child which exits at once, and never waits for it (perl is in every Debian).
    const parent = spawn("perl", ["-e", '$| = 1; my $p = fork() // die; exit 0 if $p == 0; print "$p\\n"; sleep 30'], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const zombie = Number(
        await new Promise<string>((resolve) => parent.stdout.once("data", (d) => resolve(String(d)))),
      );
      await waitUntil(() => readProcStat(zombie)?.state === "Z", "the child to become a zombie");
      fs.writeFileSync(path.join(dir, "LOCK"), `${zombie}\n`);
      FileStore.open(dir).close();
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("group commit: syncs requested during an in-flight fdatasync share the next one", async () => {
    const dir = tempDir();
    const s = FileStore.open(dir);
    s.append([entry(1, 1)]);
    const order: number[] = [];
    const done: Promise<void>[] = [];
    const track = (n: number): void => {
      done.push(new Promise((resolve, reject) => s.sync((err) => (err ? reject(err) : (order.push(n), resolve())))));
    };
    track(1); // starts a flush; it cannot complete before this synchronous code ends
    for (let i = 2; i <= 10; i++) {
      s.append([entry(i, 1)]);
      track(i);
    }
    await Promise.all(done);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.stats().fdatasyncs).toBe(2);

    // Without overlap each sync pays its own fdatasync; a sync with nothing new pays none.
    for (let i = 11; i <= 15; i++) {
      s.append([entry(i, 1)]);
      await syncOf(s);
    }
    expect(s.stats().fdatasyncs).toBe(7);
    await syncOf(s);
    expect(s.stats().fdatasyncs).toBe(7);
    s.close();
  });

  it("adds the emulated fsync delay off the main thread and still completes every sync", async () => {
    const dir = tempDir();
    const s = FileStore.open(dir, { fsyncDelayUs: 2000 });
    s.append([entry(1, 1)]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const t0 = process.hrtime.bigint();
    await syncOf(s);
    clearInterval(timer);
    expect(Number(process.hrtime.bigint() - t0) / 1000).toBeGreaterThanOrEqual(1000); // at least most of the delay
    expect(ticks).toBeGreaterThan(0); // the event loop kept running meanwhile
    s.close();
  });
});
