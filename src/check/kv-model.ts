// The sequential specification of one key of the key-value store. The checker partitions a history by
// key, so the state is a single value: a string, or null when the key is absent (its initial state).

import type { Operation, Value } from "./history.ts";

/** Returned by `stepKv` when the operation's observed outcome is impossible in the given state. */
export const ILLEGAL: unique symbol = Symbol("illegal");

export const INITIAL_KV_STATE: Value = null;

/** Applies `op` to `state`: the next state, or ILLEGAL if `op`'s outcome contradicts `state`. */
export function stepKv(state: Value, op: Operation): Value | typeof ILLEGAL {
  switch (op.f) {
    case "read":
      return op.output === state ? state : ILLEGAL;
    case "write":
      return op.input;
    case "append":
      return (state ?? "") + (op.input ?? "");
    case "cas": {
      const [expect, next] = op.input;
      const matches = state === expect;
      if (op.output === null) return matches ? next : state; // unknown outcome: whatever the comparison decided
      if (op.output) return matches ? next : ILLEGAL;
      // A failed comparison: no effect, and the value seen was not `expect` (and was `current`, if reported).
      return !matches && (op.current === undefined || op.current === state) ? state : ILLEGAL;
    }
  }
}
