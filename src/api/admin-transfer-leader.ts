// The body of `POST /admin/transfer-leader`: the voter to hand leadership to, or none (the most
// up-to-date follower).
//   {"to": 2}    or    {}  (or an empty body)

/** Validates the request body; the target id, or null for "the most up-to-date follower". */
export function parseTransferLeader(body: unknown): number | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"to":2}, or {} for the most up-to-date follower');
  }
  const doc = body as Record<string, unknown>;
  const unknown = Object.keys(doc).find((key) => key !== "to");
  if (unknown !== undefined) throw new Error(`unknown field "${unknown}"; known: to`);
  if (doc.to === undefined || doc.to === null) return null;
  if (typeof doc.to !== "number" || !Number.isInteger(doc.to) || doc.to < 1) {
    throw new Error(`"to" must be a node id (a positive integer), got ${JSON.stringify(doc.to)}`);
  }
  return doc.to;
}
