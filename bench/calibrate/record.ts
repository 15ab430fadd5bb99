// The log entry a bench write becomes: a put of a value of the cell's size, as the load generator
// sends it, so the calibrated costs are those of the entries the cells write.

import { encodeCommand } from "../../src/node/kv-command.ts";

/** The encoded put of a `valueSize`-byte value under a key like the load generator's. */
export function benchEntry(valueSize: number): Uint8Array {
  return encodeCommand({ op: "put", key: "c1-1000", value: new Uint8Array(valueSize).fill(0x61) });
}
