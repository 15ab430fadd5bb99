// The body of `POST /admin/links`: a change to link shaping on this node's outgoing peer links.
//   {"to": [2, 3], "delayMs": 5, "jitterMs": 1, "lossRate": 0.01, "partitioned": false}
// `to` is optional (default: every peer); the other fields are optional and change only what they name.
// delayMs and jitterMs are bounded (at most MAX_LINK_DELAY_MS), lossRate is in [0, 1].

import { type LinkSettings, MAX_LINK_DELAY_MS } from "../transport/link-shaper.ts";

export interface LinkChange {
  readonly to: readonly number[] | undefined;
  readonly change: Partial<LinkSettings>;
}

/** Each numeric field's largest value. */
const NUMERIC = { delayMs: MAX_LINK_DELAY_MS, jitterMs: MAX_LINK_DELAY_MS, lossRate: 1 } as const;

/** Validates the request body; throws an Error whose message names the bad field. */
export function parseLinkChange(body: unknown): LinkChange {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error('expected a JSON object like {"to":[2],"delayMs":5,"partitioned":true}');
  }
  const doc = body as Record<string, unknown>;
  const change: { -readonly [K in keyof LinkSettings]?: LinkSettings[K] } = {};
  for (const key of Object.keys(doc)) {
    if (key !== "to" && key !== "partitioned" && !(key in NUMERIC)) {
      throw new Error(`unknown field "${key}"; known: to, delayMs, jitterMs, lossRate, partitioned`);
    }
  }
  for (const [key, max] of Object.entries(NUMERIC) as [keyof typeof NUMERIC, number][]) {
    if (!(key in doc)) continue;
    const v = doc[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max)
      throw new Error(`"${key}" must be a number from 0 to ${max}`);
    change[key] = v;
  }
  if ("partitioned" in doc) {
    if (typeof doc.partitioned !== "boolean") throw new Error(`"partitioned" must be true or false`);
    change.partitioned = doc.partitioned;
  }
  let to: number[] | undefined;
  if ("to" in doc) {
    const t = doc.to;
    if (!Array.isArray(t) || !t.every((id) => Number.isInteger(id) && id > 0)) {
      throw new Error(`"to" must be a list of node ids, e.g. [2, 3]`);
    }
    to = t as number[];
  }
  return { to, change };
}
