// The body of `POST /admin/members`: one membership change, proposed on the leader.
//   {"op":"add-learner","id":4,"client":"http://127.0.0.1:7004","peer":"ws://127.0.0.1:7104"}
//   {"op":"promote","id":4}
//   {"op":"remove","id":2}

import type { ConfChange, ConfChangeOp } from "../core/membership.ts";
import { parseMemberUrls } from "../node/cluster-file.ts";
import { addressText } from "../node/members.ts";

const OPS: readonly ConfChangeOp[] = ["add-learner", "promote", "remove"];

/** Validates the request body; throws an Error whose message says what is wrong. */
export function parseMembersChange(body: unknown): ConfChange {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"op":"promote","id":4}');
  }
  const doc = body as Record<string, unknown>;
  const op = doc.op as ConfChangeOp;
  if (!OPS.includes(op)) throw new Error(`"op" must be one of ${OPS.join(", ")}`);
  const known = op === "add-learner" ? ["op", "id", "client", "peer"] : ["op", "id"];
  const unknown = Object.keys(doc).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new Error(`unknown field "${unknown}" for ${op}; known: ${known.join(", ")}`);
  const id = doc.id;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > 0xffff_ffff) {
    throw new Error('"id" must be a positive integer node id');
  }
  if (op !== "add-learner") return { op, id };
  for (const field of ["client", "peer"] as const) {
    if (typeof doc[field] !== "string") {
      throw new Error(`"${field}" is required for add-learner: the new node's ${field} URL`);
    }
  }
  return { op, id, address: addressText(parseMemberUrls(id, doc.client as string, doc.peer as string)) };
}
