// Log append + fsync on the real FileStore, with and without group commit: 32 writers each append
// one 64-byte entry and wait for durability. Without group commit each waits for its own
// fdatasync before the next writes; with it, all 32 write at once and share the flushes (the
// first sync starts one, the other 31 join the next). Each iteration is 32 entries, so the two
// tasks' times compare directly. The second pair adds an emulated 1 ms fsync (a real SSD's order
// of magnitude), where group commit matters most: this machine's virtual disk is host-cached.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Bench } from "tinybench";
import { FileStore } from "../../src/storage/file-store.ts";

const WRITERS = 32;
const PAYLOAD = new Uint8Array(64).fill(7);

/**
 * A FileStore in a fresh temp dir per bench phase, and one writer's step; `raftlab calibrate` times
 * the same step at the log's record size.
 */
export function logFixture(fsyncDelayUs: number, payload: Uint8Array = PAYLOAD) {
  let dir = "";
  let store: FileStore | null = null;
  let next = 1;
  return {
    setup(): void {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "raftlab-bench-log-"));
      store = FileStore.open(dir, { fsyncDelayUs });
      next = 1;
    },
    teardown(): void {
      store?.close();
      store = null;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    /** Appends one entry and resolves once it is durable. */
    appendDurably(): Promise<void> {
      const s = store!;
      s.append([{ index: next++, term: 1, data: payload }]);
      return new Promise((resolve, reject) => s.sync((err) => (err ? reject(err) : resolve())));
    },
  };
}

function addPair(bench: Bench, fsyncDelayUs: number): void {
  const disk = fsyncDelayUs > 0 ? `, fsync +${fsyncDelayUs} µs` : "";
  const serial = logFixture(fsyncDelayUs);
  bench.add(
    `log append 64 B ×${WRITERS}, one fsync each${disk}`,
    async () => {
      for (let i = 0; i < WRITERS; i++) await serial.appendDurably();
    },
    { beforeAll: serial.setup, afterAll: serial.teardown },
  );
  const grouped = logFixture(fsyncDelayUs);
  bench.add(
    `log append 64 B ×${WRITERS}, group commit${disk}`,
    async () => {
      await Promise.all(Array.from({ length: WRITERS }, () => grouped.appendDurably()));
    },
    { beforeAll: grouped.setup, afterAll: grouped.teardown },
  );
}

export function register(bench: Bench): void {
  addPair(bench, 0);
  addPair(bench, 1000);
}
