// The store the node shell persists Readies into, and the core reads its stable log from.

import type { LogReader, LogWriter } from "../core/log-reader.ts";

/**
 * A durable (or, in the simulator, virtually durable) Raft log plus hard state and snapshot.
 *
 * Writes are visible to the `LogReader` reads at once; durability is a separate question that
 * `sync` answers. Several syncs may be outstanding; their callbacks fire in call order.
 */
export interface RaftStore extends LogReader, LogWriter {
  /** Calls back once every write issued before this call is durable (fdatasync done). */
  sync(cb: (err: Error | null) => void): void;
  /** Releases the store's files. Writes not yet synced may be lost; pending sync callbacks are dropped. */
  close(): void;
}
