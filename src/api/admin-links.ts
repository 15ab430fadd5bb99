// The body of `POST /admin/links`: a change to link shaping on this node's outgoing peer links.
//   {"to": [2, 3], "delayMs": 5, "jitterMs": 1, "lossRate": 0.01, "partitioned": false}
// `to` is optional (default: every peer); the other fields are optional and change only what they name.

import type { LinkSettings } from "../transport/link-shaper.ts";

export interface LinkChange {
  readonly to: readonly number[] | undefined;
  readonly change: Partial<LinkSettings>;
}

const NUMERIC = ["delayMs", "jitterMs", "lossRate"] as const;

/** Validates the request body; throws an Error whose message names the bad field. */
export function parseLinkChange(body: unknown): LinkChange {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"to":[2],"delayMs":5,"partitioned":true}');
  }
  const doc = body as Record<string, unknown>;
  const change: { -readonly [K in keyof LinkSettings]?: LinkSettings[K] } = {};
  for (const key of Object.keys(doc)) {
    if (key !== "to" && key !== "partitioned" && !(NUMERIC as readonly string[]).includes(key)) {
      throw new Error(`unknown field "${key}"; known: to, delayMs, jitterMs, lossRate, partitioned`);
    }
  }
  for (const key of NUMERIC) {
    if (!(key in doc)) continue;
    const v = doc[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`"${key}" must be a non-negative number`);
    if (key === "lossRate" && v > 1) throw new Error(`"lossRate" must be between 0 and 1`);
    change[key] = v;
  }
  if ("partitioned" in doc) {
    if (typeof doc["partitioned"] !== "boolean") throw new Error(`"partitioned" must be true or false`);
    change.partitioned = doc["partitioned"];
  }
  let to: number[] | undefined;
  if ("to" in doc) {
    const t = doc["to"];
    if (!Array.isArray(t) || !t.every((id) => Number.isInteger(id) && id > 0)) {
      throw new Error(`"to" must be a list of node ids, e.g. [2, 3]`);
    }
    to = t as number[];
  }
  return { to, change };
}
