// Waits on a condition with a deadline: tests never sleep for a fixed time.

/**
 * Resolves once `cond()` is truthy, with its value; rejects naming `what` after `timeoutMs`. A
 * condition that throws counts as not yet true (e.g. a node not answering yet); the last error is
 * reported on timeout.
 */
export async function waitUntil<T>(
  cond: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  what: string,
  timeoutMs = 10_000,
  pollMs = 20,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`,
      );
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
