// Ctrl-C and SIGTERM for a command that runs for minutes: they abort its work through a signal, so it
// stops its clusters and keeps what it has, and the handlers go away when the work ends.

/** Runs `work` with a signal that SIGINT and SIGTERM abort (`onStop` is told first). */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>, onStop = (): void => {}): Promise<T> {
  const abort = new AbortController();
  const stop = (): void => {
    onStop();
    abort.abort();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await work(abort.signal);
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}

/** As `interruptible`, for a command that an interruption ends with exit status 130 (128 + SIGINT). */
export function exitOnInterrupt(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  return interruptible(async (signal) => {
    try {
      return await work(signal);
    } catch (err) {
      if (signal.aborted) return 130;
      throw err;
    }
  });
}
