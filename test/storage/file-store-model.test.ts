// Randomized: a FileStore, restarted often, must always read back exactly what a MemoryStore
// (whose syncs complete at once) holds after the same writes. Replay a failure with
// RAFTLAB_SEED=<seed> npx vitest run test/storage/file-store-model.test.ts
import { afterEach, describe, expect, it } from "vitest";
import { type Rng, seededRng } from "../../src/core/rng.ts";
import type { Entry, HardState } from "../../src/core/types.ts";
import { FileStore } from "../../src/storage/file-store.ts";
import { MemoryStore } from "../../src/storage/memory-store.ts";
import type { RaftStore } from "../../src/storage/store.ts";
import { dump, removeTempDirs, snapshotAt, syncOf, tempDir } from "./helpers.ts";

afterEach(removeTempDirs);

const SEGMENT_BYTES = 600;

function view(s: RaftStore) {
  return { log: dump(s), snap: s.snapshot().meta, hs: s.initialState().hardState };
}

async function runSeed(seed: number, steps: number): Promise<void> {
  const rng: Rng = seededRng(seed);
  const dir = tempDir();
  let file = FileStore.open(dir, { segmentBytes: SEGMENT_BYTES });
  const model = new MemoryStore((cb) => cb());
  const both = (f: (s: RaftStore) => void): void => {
    f(file);
    f(model);
  };
  let hs: HardState = { term: 1, vote: 0, commit: 0 };
  both((s) => s.setHardState(hs));
  for (let step = 0; step < steps; step++) {
    const first = model.firstIndex();
    const last = model.lastIndex();
    const roll = rng.next();
    let op: string;
    if (roll < 0.5) {
      const from = rng.int(Math.max(first, last - 3, hs.commit + 1), last + 2);
      if (rng.next() < 0.3) hs = { ...hs, term: hs.term + 1 };
      const ents: Entry[] = [];
      for (let i = 0, n = rng.int(1, 5); i < n; i++) {
        ents.push({ index: from + i, term: hs.term, data: new Uint8Array(rng.int(0, 120)).fill(step & 0xff) });
      }
      op = `append ${from}..${from + ents.length - 1}`;
      both((s) => s.append(ents));
      both((s) => s.setHardState(hs));
    } else if (roll < 0.7) {
      hs =
        rng.next() < 0.5
          ? { ...hs, commit: rng.int(hs.commit, last + 1) }
          : { ...hs, term: hs.term + 1, vote: rng.int(0, 4) };
      op = `hardState ${JSON.stringify(hs)}`;
      both((s) => s.setHardState(hs));
    } else if (roll < 0.8 && hs.commit > model.snapshot().meta.index) {
      const at = rng.int(model.snapshot().meta.index + 1, hs.commit + 1);
      op = `compact ${at}`;
      const snap = snapshotAt(at, model.term(at));
      both((s) => s.compact(snap));
    } else if (roll < 0.87) {
      const at = rng.int(Math.max(hs.commit, model.snapshot().meta.index) + 1, last + 4);
      const matching = at <= last && rng.next() < 0.5;
      const term = matching ? model.term(at) : hs.term;
      op = `applySnapshot ${at}/${term}`;
      const snap = snapshotAt(at, term);
      hs = { ...hs, commit: at };
      both((s) => s.applySnapshot(snap));
      both((s) => s.setHardState(hs));
    } else {
      op = "restart";
      await syncOf(file);
      file.close();
      file = FileStore.open(dir, { segmentBytes: SEGMENT_BYTES });
    }
    expect(view(file), `seed ${seed} step ${step} (${op})`).toEqual(view(model));
  }
  file.close();
}

describe("FileStore against the in-memory model", () => {
  const fixed = process.env.RAFTLAB_SEED;
  const seeds = fixed ? [Number(fixed)] : [1, 2, 3, 4];
  for (const seed of seeds) {
    it(`seed ${seed}: reads match after random writes and restarts`, async () => {
      await runSeed(seed, 250);
    });
  }
});
