// Failpoints: named places in the write path where a node can be made to die, for crash-point
// durability tests. A failpoint is armed only by an explicit `--failpoint NAME[:N]` or the
// environment variable RAFTLAB_FAILPOINT=NAME[:N]; the node then kills itself with SIGKILL on the
// N-th time it reaches NAME (default the first): no cleanup, no flush, like a power cut for the
// process. The `conf` points fire only where a configuration entry (a membership change) is written
// or applied. (The page cache survives a kill -9; `--storage-mode buffered` makes unsynced log bytes
// die with the process too.) Unarmed, the hook is undefined and costs one optional call per site.

import type { StoreFailpoint } from "../storage/file-store.ts";
import type { DriverFailpoint } from "./driver.ts";

export type FailpointName = StoreFailpoint | DriverFailpoint | "before-reply" | "after-reply";

/** Every failpoint with where it fires; the keys are the accepted names. */
export const FAILPOINTS: Readonly<Record<FailpointName, string>> = {
  "before-log-write": "before log records (entries, commit index) are written to the segment",
  "after-log-write": "after log records are written (page cache, or memory in buffered mode), before any fsync",
  "mid-batch": "half-way through one write of log bytes: the first half reaches the file (a torn write)",
  "before-fsync": "before the fdatasync of the log (in buffered mode, before the pending bytes are written)",
  "after-fsync": "after the log fsync completes, before the core is told and the persisted messages are sent",
  "before-apply": "before a batch of committed entries is applied to the state machine",
  "after-apply": "after a batch is applied, before the waiting clients are answered",
  "before-reply": "on the leader, before the reply to an applied write is sent",
  "after-reply": "on the leader, after the reply to an applied write was handed to the socket",
  "before-snapshot-write": "before a snapshot file (compaction or installed snapshot) is written",
  "after-snapshot-write": "after a snapshot file is durable, before the segments it supersedes are removed",
  "before-hardstate-write": "before the hard-state file (a term or vote change) is written",
  "after-hardstate-write": "after the hard-state file is durable, before the vote or message it guards goes out",
  "before-conf-persist":
    "a configuration entry is in force (appended in memory; a leader may have sent it), before its log write",
  "after-conf-persist": "after the fsync of a log write holding a configuration entry, before the core is told",
  "before-conf-apply": "before a batch of committed entries holding a configuration entry is applied",
  "after-conf-apply": "after a batch holding a configuration entry is applied, before its proposer is answered",
};

export const FAILPOINT_NAMES = Object.keys(FAILPOINTS) as FailpointName[];

export interface FailpointSpec {
  readonly name: FailpointName;
  /** Crash on this hit (1 = the first time the point is reached). */
  readonly hit: number;
}

/** A site calls the hook with its name; the armed point kills the process on its N-th hit. */
export type FailpointHook = (name: FailpointName) => void;

export class FailpointError extends Error {
  override readonly name = "FailpointError";
}

/** Parses `NAME[:N]`; throws a FailpointError naming the valid points. */
export function parseFailpoint(text: string): FailpointSpec {
  const m = /^([a-z-]+)(?::(\d+))?$/.exec(text.trim());
  const name = m?.[1];
  if (!m || !name || !(name in FAILPOINTS)) {
    throw new FailpointError(
      `unknown failpoint "${text}"; expected NAME[:N] with NAME one of: ${FAILPOINT_NAMES.join(", ")}`,
    );
  }
  const hit = m[2] === undefined ? 1 : Number(m[2]);
  if (!Number.isSafeInteger(hit) || hit < 1)
    throw new FailpointError(`failpoint "${text}": N must be a positive integer`);
  return { name: name as FailpointName, hit };
}

/** The hook for `spec`: counts hits of the armed point and calls `crash` on the N-th. */
export function armFailpoint(spec: FailpointSpec, crash: () => void = killSelf): FailpointHook {
  let hits = 0;
  return (name) => {
    if (name === spec.name && ++hits === spec.hit) crash();
  };
}

/** SIGKILL to this process: it stops here, with no exit handlers and no flush. */
function killSelf(): void {
  process.kill(process.pid, "SIGKILL");
}
