// Waits on a condition with a deadline (tests never sleep for a fixed time).

/** Resolves once `cond()` holds; rejects with `what` after `timeoutMs`. Polls every 2 ms. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
