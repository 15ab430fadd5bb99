// The replicated state machine: an in-memory key-value map. Applying is synchronous and cheap here;
// where (and at what modelled cost) it runs is the appliers' business (appliers.ts).

import { type Entry, EntryType } from "../core/types.ts";
import { type ApplyResult, decodeCommand, ownsBuffer } from "./kv-command.ts";
import type { StateMachine } from "./state-machine.ts";

const NOOP_RESULT: ApplyResult = { ok: true };

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The value to store: a view when the entry's payload owns its buffer (a command the leader encoded,
 * which costs only its header bytes to keep), else a copy, since the payload may be a view into a
 * larger network or file buffer that the map must not keep alive.
 */
function keep(payload: Uint8Array, value: Uint8Array): Uint8Array {
  return ownsBuffer(payload) ? value : value.slice();
}

export class KvStateMachine implements StateMachine<ApplyResult> {
  private readonly data = new Map<string, Uint8Array>();
  /** Index of the last entry applied (or restored from a snapshot). */
  appliedIndex = 0;

  apply(entry: Entry): ApplyResult {
    this.appliedIndex = entry.index;
    // A new leader's no-op, or a configuration (the core's business).
    if (entry.data.length === 0 || entry.type === EntryType.ConfChange) return NOOP_RESULT;
    const cmd = decodeCommand(entry.data);
    const current = this.data.get(cmd.key) ?? null;
    switch (cmd.op) {
      case "put":
        this.data.set(cmd.key, keep(entry.data, cmd.value));
        return NOOP_RESULT;
      case "del":
        this.data.delete(cmd.key);
        return NOOP_RESULT;
      case "cas": {
        const matches = cmd.expect === null ? current === null : current !== null && bytesEqual(current, cmd.expect);
        if (!matches) return { ok: false, current };
        this.data.set(cmd.key, keep(entry.data, cmd.value));
        return NOOP_RESULT;
      }
    }
  }

  get(key: string): Uint8Array | null {
    return this.data.get(key) ?? null;
  }

  get size(): number {
    return this.data.size;
  }

  /**
   * Serializes the map: [count u32] then per pair [keyLen u32][key][valueLen u32][value], big-endian.
   * Two passes (sizes, then bytes written in place) with no buffer per key: the node stalls while
   * it snapshots, every `--snapshot-every` entries.
   */
  snapshot(): Uint8Array {
    let total = 4;
    for (const [k, v] of this.data) total += 8 + Buffer.byteLength(k, "utf8") + v.length;
    const out = Buffer.allocUnsafe(total); // every byte is written below
    out.writeUInt32BE(this.data.size, 0);
    let off = 4;
    for (const [k, v] of this.data) {
      const kl = out.write(k, off + 4, "utf8");
      out.writeUInt32BE(kl, off);
      off += 4 + kl;
      out.writeUInt32BE(v.length, off);
      out.set(v, off + 4);
      off += 4 + v.length;
    }
    return out;
  }

  restore(data: Uint8Array, index: number): void {
    this.data.clear();
    this.appliedIndex = index;
    if (data.length === 0) return;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const count = buf.readUInt32BE(0);
    let off = 4;
    for (let i = 0; i < count; i++) {
      const kl = buf.readUInt32BE(off);
      const key = buf.toString("utf8", off + 4, off + 4 + kl);
      off += 4 + kl;
      const vl = buf.readUInt32BE(off);
      this.data.set(key, data.slice(off + 4, off + 4 + vl));
      off += 4 + vl;
    }
  }
}
