// The body of `POST /admin/flags`: the combination a running node switches to.
//   {"flags": "batch+pipeline"}

import { type Flags, parseFlags } from "../core/flags.ts";

/** Validates the request body; throws an Error whose message says what is wrong. */
export function parseFlagsChange(body: unknown): Flags {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"flags":"batch+pipeline"}');
  }
  const doc = body as Record<string, unknown>;
  const unknown = Object.keys(doc).find((key) => key !== "flags");
  if (unknown !== undefined) throw new Error(`unknown field "${unknown}"; known: flags`);
  if (typeof doc.flags !== "string" || doc.flags.trim() === "")
    throw new Error('"flags" must be a combination like "batch+pipeline"');
  try {
    return parseFlags(doc.flags);
  } catch (err) {
    throw new Error(`"flags": ${(err as Error).message}`);
  }
}
