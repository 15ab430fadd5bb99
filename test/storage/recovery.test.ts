import * as fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StorageCorruptionError } from "../../src/storage/errors.ts";
import { FileStore } from "../../src/storage/file-store.ts";
import { scanRecords } from "../../src/storage/record.ts";
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
import { losePower } from "./power-loss.ts";

vi.mock("node:fs", async (importOriginal) => (await import("./power-loss.ts")).recordingSyncs(await importOriginal()));

afterEach(removeTempDirs);

/** A directory with entries 1..n, one record each, all durable; returns its segment files. */
async function writeLog(dir: string, n: number, segmentBytes?: number): Promise<string[]> {
  const s = FileStore.open(dir, segmentBytes ? { segmentBytes } : {});
  for (let i = 1; i <= n; i++) s.append([entry(i, 1, `payload-${i}`)]);
  await syncOf(s);
  s.close();
  return segmentFiles(dir);
}

function recordOffsets(file: string): { offset: number; end: number }[] {
  return scanRecords(fs.readFileSync(file)).records.map(({ offset, end }) => ({ offset, end }));
}

function flipBit(file: string, byte: number, bit: number): void {
  const buf = fs.readFileSync(file);
  buf[byte]! ^= 1 << bit;
  fs.writeFileSync(file, buf);
}

function openError(dir: string): unknown {
  try {
    FileStore.open(dir).close();
  } catch (err) {
    return err;
  }
  return null;
}

describe("recovery", () => {
  it("truncating the last record at every byte offset recovers to the last whole record", async () => {
    const dir = tempDir();
    const [seg] = await writeLog(dir, 3);
    const original = fs.readFileSync(seg!);
    const last = recordOffsets(seg!).at(-1)!;
    expect(last.end).toBe(original.length);
    for (let cut = last.offset; cut < last.end; cut++) {
      fs.writeFileSync(seg!, original.subarray(0, cut));
      const s = FileStore.open(dir);
      expect(s.lastIndex(), `cut at byte ${cut}`).toBe(2);
      expect(fs.statSync(seg!).size, `cut at byte ${cut}`).toBe(last.offset); // the torn bytes are gone
      // The log carries on from the repaired tail.
      s.append([entry(3, 2, "again")]);
      await syncOf(s);
      s.close();
      const again = FileStore.open(dir);
      expect(dump(again).at(-1), `cut at byte ${cut}`).toEqual([3, 2, "again"]);
      again.close();
    }
  });

  it("a flipped bit anywhere in a record before the tail is refused as corruption", async () => {
    const dir = tempDir();
    const [seg] = await writeLog(dir, 3);
    const original = fs.readFileSync(seg!);
    const [first, second] = recordOffsets(seg!);
    for (const rec of [first!, second!]) {
      for (let byte = rec.offset; byte < rec.end; byte++) {
        flipBit(seg!, byte, byte % 8);
        const err = openError(dir);
        expect(err, `flip at byte ${byte}`).toBeInstanceOf(StorageCorruptionError);
        expect((err as StorageCorruptionError).offset).toBe(rec.offset);
        expect((err as Error).message).toContain(seg!);
        expect((err as Error).message).toContain(`at byte ${rec.offset}`);
        fs.writeFileSync(seg!, original);
      }
    }
    expect(fs.readFileSync(seg!).equals(original)).toBe(true); // refusing never repairs
    expect(openError(dir)).toBeNull();
  });

  it("a flipped bit in the final record is a torn write: that record alone is dropped", async () => {
    const dir = tempDir();
    const [seg] = await writeLog(dir, 3);
    const original = fs.readFileSync(seg!);
    const last = recordOffsets(seg!).at(-1)!;
    for (let byte = last.offset; byte < last.end; byte++) {
      flipBit(seg!, byte, (byte * 3) % 8);
      const s = FileStore.open(dir);
      expect(s.lastIndex(), `flip at byte ${byte}`).toBe(2);
      s.close();
      fs.writeFileSync(seg!, original);
    }
  });

  it("damage at the end of a segment that is not the last is corruption, not a torn tail", async () => {
    const dir = tempDir();
    const segs = await writeLog(dir, 20, 128);
    expect(segs.length).toBeGreaterThan(1);
    const last = recordOffsets(segs[0]!).at(-1)!;
    flipBit(segs[0]!, last.end - 1, 0);
    const err = openError(dir);
    expect(err).toBeInstanceOf(StorageCorruptionError);
    expect((err as Error).message).toContain(segs[0]!);
    expect((err as Error).message).toContain("not the last segment");
  });

  it("a power cut while a segment rolls leaves a log that recovery accepts", async () => {
    // Installing a snapshot that conflicts with the log starts a new segment. Until the snapshot
    // file is durable the old segment is still the log; cut the power in between.
    const dir = tempDir();
    const cut = new Error("power cut");
    const s = FileStore.open(dir, {
      failpoint: (name) => {
        if (name === "before-snapshot-write") throw cut;
      },
    });
    s.append(entries(1, 5, 1));
    await syncOf(s);
    s.append(entries(6, 8, 1));
    expect(() => s.applySnapshot(snapshotAt(20, 2))).toThrow(cut);
    expect(segmentFiles(dir)).toHaveLength(2);
    killStore(dir);
    losePower(dir);
    const after = FileStore.open(dir);
    // The roll made the old segment durable before the new one started: nothing was lost.
    expect(dump(after)).toEqual(entries(1, 8, 1).map((e) => [e.index, 1, `e${e.index}`]));
    after.close();
  });

  it("a killed store's segment ends in the zeros filled ahead: recovery reads them as the end and writes on", async () => {
    const dir = tempDir();
    const s = FileStore.open(dir);
    s.append(entries(1, 3, 1));
    await syncOf(s);
    const [seg] = segmentFiles(dir);
    const records = recordOffsets(seg!).at(-1)!.end;
    expect(fs.statSync(seg!).size).toBeGreaterThan(records); // filled ahead while open
    killStore(dir);
    const after = FileStore.open(dir);
    expect(after.lastIndex()).toBe(3);
    expect(fs.statSync(seg!).size).toBeGreaterThan(records); // zeros are no torn tail: nothing was cut
    after.append(entries(4, 4, 1));
    await syncOf(after);
    after.close();
    expect(fs.statSync(seg!).size).toBe(recordOffsets(seg!).at(-1)!.end); // a clean close cuts the zeros
    const again = FileStore.open(dir);
    expect(dump(again)).toEqual(entries(1, 4, 1).map((e) => [e.index, 1, `e${e.index}`]));
    again.close();
  });

  it("a power cut takes the writes no sync covered, torn, from inside the zero-filled segment", async () => {
    const dir = tempDir();
    const s = FileStore.open(dir);
    s.append(entries(1, 3, 1));
    await syncOf(s);
    for (const i of [4, 5, 6]) s.append(entries(i, i, 1)); // three records of one size, never synced
    killStore(dir);
    losePower(dir); // keeps the first half of records 4..6: record 4 whole, record 5 torn
    const after = FileStore.open(dir);
    expect(dump(after)).toEqual(entries(1, 4, 1).map((e) => [e.index, 1, `e${e.index}`]));
    after.close();
  });

  it("a missing segment in the middle is reported as a gap in the log", async () => {
    const dir = tempDir();
    const segs = await writeLog(dir, 20, 128);
    expect(segs.length).toBeGreaterThan(2);
    fs.rmSync(segs[1]!);
    const err = openError(dir);
    expect(err).toBeInstanceOf(StorageCorruptionError);
    expect((err as Error).message).toMatch(/records are missing/);
  });
});
