// Shared fixtures for the storage tests.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initialConf } from "../../src/core/membership.ts";
import type { Entry, Snapshot } from "../../src/core/types.ts";
import type { RaftStore } from "../../src/storage/store.ts";

export function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, data: new TextEncoder().encode(text) };
}

export function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

export function snapshotAt(index: number, term: number, text = `state@${index}`): Snapshot {
  return { meta: { index, term, conf: initialConf([1, 2, 3]) }, data: new TextEncoder().encode(text) };
}

export function syncOf(store: RaftStore): Promise<void> {
  return new Promise((resolve, reject) => store.sync((err) => (err ? reject(err) : resolve())));
}

/** The log as [index, term, text] triples, for readable assertions. */
export function dump(store: RaftStore): [number, number, string][] {
  const lo = store.firstIndex();
  const hi = store.lastIndex() + 1;
  if (lo >= hi) return [];
  return store.entries(lo, hi, Infinity).map((e) => [e.index, e.term, new TextDecoder().decode(e.data)]);
}

const dirs: string[] = [];

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raftlab-storage-"));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

export function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".wal"))
    .sort()
    .map((n) => path.join(dir, n));
}

/**
 * Abandons the store open in `dir` as a kill -9 would: nothing it still holds reaches its files,
 * and its lock is left behind, naming a process that no longer runs.
 */
export function killStore(dir: string): void {
  fs.writeFileSync(path.join(dir, "LOCK"), "999999999\n");
}
