// The body of `POST /admin/fsync-delay`: the node's added fsync delay from now on (a disk that turns
// slow, or recovers, while the node runs).
//   {"us": 5000}

/** The largest delay, as `raftlab node --fsync-delay-us` accepts. */
export const MAX_FSYNC_DELAY_US = 10_000_000;

/** Validates the request body; throws an Error whose message says what is wrong. */
export function parseFsyncDelayChange(body: unknown): number {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"us":5000}');
  }
  const doc = body as Record<string, unknown>;
  const unknown = Object.keys(doc).find((key) => key !== "us");
  if (unknown !== undefined) throw new Error(`unknown field "${unknown}"; known: us`);
  const us = doc.us;
  if (typeof us !== "number" || !Number.isInteger(us) || us < 0 || us > MAX_FSYNC_DELAY_US)
    throw new Error(`"us" must be a whole number of microseconds from 0 to ${MAX_FSYNC_DELAY_US}`);
  return us;
}
