// Errors a user may see when a node starts on a data directory. Their messages are complete
// sentences meant to be printed as they are (the CLI prints `err.message`, never a stack).

/** A record before the torn tail failed its checks: the log cannot be trusted past it. */
export class StorageCorruptionError extends Error {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, what: string) {
    super(
      `storage corruption in ${file} at byte ${offset}: ${what}. ` +
        `Only a crash in the middle of the last write is repaired automatically; this is damage ` +
        `before it, so the node refuses to start rather than silently lose acknowledged entries. ` +
        `Restore the data directory from a backup, or remove it and restart the node empty so it ` +
        `catches up from the leader (only safe while a majority of the cluster is healthy).`,
    );
    this.name = "StorageCorruptionError";
    this.file = file;
    this.offset = offset;
  }
}

/** Another live process holds the data directory. */
export class StorageLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `data directory ${dir} is in use by process ${pid} (lock file ${dir}/LOCK): stop that ` +
        `node or give this one another data directory; if no node runs there, remove the lock file`,
    );
    this.name = "StorageLockedError";
  }
}
