// The replicated state machine: an in-memory key-value map. Applying is synchronous and cheap here;
// where (and at what modelled cost) it runs is the appliers' business (appliers.ts).

import type { Entry } from "../core/types.ts";
import { decodeCommand, type ApplyResult } from "./kv-command.ts";

const NOOP_RESULT: ApplyResult = { ok: true };

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class KvStateMachine {
  private readonly data = new Map<string, Uint8Array>();
  /** Index of the last entry applied (or restored from a snapshot). */
  appliedIndex = 0;

  apply(entry: Entry): ApplyResult {
    this.appliedIndex = entry.index;
    if (entry.data.length === 0) return NOOP_RESULT; // a new leader's no-op
    const cmd = decodeCommand(entry.data);
    const current = this.data.get(cmd.key) ?? null;
    switch (cmd.op) {
      case "put":
        // Copy: the payload may be a view into a larger network or file buffer.
        this.data.set(cmd.key, cmd.value.slice());
        return NOOP_RESULT;
      case "del":
        this.data.delete(cmd.key);
        return NOOP_RESULT;
      case "cas": {
        const matches = cmd.expect === null ? current === null : current !== null && bytesEqual(current, cmd.expect);
        if (!matches) return { ok: false, current };
        this.data.set(cmd.key, cmd.value.slice());
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

  /** Serializes the map: [count u32] then per pair [keyLen u32][key][valueLen u32][value]. */
  snapshot(): Uint8Array {
    const utf8 = new TextEncoder();
    const parts: Uint8Array[] = [];
    let total = 4;
    for (const [k, v] of this.data) {
      const kb = utf8.encode(k);
      parts.push(kb, v);
      total += 8 + kb.length + v.length;
    }
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.data.size);
    let off = 4;
    for (const p of parts) {
      view.setUint32(off, p.length);
      out.set(p, off + 4);
      off += 4 + p.length;
    }
    return out;
  }

  restore(data: Uint8Array, index: number): void {
    this.data.clear();
    this.appliedIndex = index;
    if (data.length === 0) return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const utf8 = new TextDecoder();
    const count = view.getUint32(0);
    let off = 4;
    for (let i = 0; i < count; i++) {
      const kl = view.getUint32(off);
      const key = utf8.decode(data.subarray(off + 4, off + 4 + kl));
      off += 4 + kl;
      const vl = view.getUint32(off);
      this.data.set(key, data.slice(off + 4, off + 4 + vl));
      off += 4 + vl;
    }
  }
}
