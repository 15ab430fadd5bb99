// The key-value commands carried in log entries, and their compact binary encoding:
//   [op u8][keyLen u16][key utf8] then, by op:
//   put: [value…]   del: —   cas: [hasExpect u8][expectLen u32][expect…][value…]

export type KvCommand =
  | { readonly op: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly op: "del"; readonly key: string }
  | { readonly op: "cas"; readonly key: string; readonly expect: Uint8Array | null; readonly value: Uint8Array };

/** What applying a command produced; `put`/`del` always succeed, `cas` reports the current value on a mismatch. */
export type ApplyResult = { readonly ok: true } | { readonly ok: false; readonly current: Uint8Array | null };

const OP_PUT = 1;
const OP_DEL = 2;
const OP_CAS = 3;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Keys are length-prefixed with a u16. */
export const MAX_KEY_BYTES = 0xffff;

/**
 * Encodes a command into a buffer of its own, exactly its size: the log keeps it, and the state
 * machine may keep its value as a view of it (`ownsBuffer`) instead of a copy.
 */
export function encodeCommand(cmd: KvCommand): Uint8Array {
  const keyLen = Buffer.byteLength(cmd.key, "utf8");
  if (keyLen > MAX_KEY_BYTES) throw new RangeError(`key is ${keyLen} bytes; the limit is ${MAX_KEY_BYTES}`);
  const head = 3 + keyLen;
  const expectLen = cmd.op === "cas" ? (cmd.expect?.length ?? 0) : 0;
  const size =
    cmd.op === "put" ? head + cmd.value.length : cmd.op === "del" ? head : head + 5 + expectLen + cmd.value.length;
  const out = new Uint8Array(size);
  out[0] = cmd.op === "put" ? OP_PUT : cmd.op === "del" ? OP_DEL : OP_CAS;
  out[1] = keyLen >>> 8;
  out[2] = keyLen & 0xff;
  utf8.encodeInto(cmd.key, out.subarray(3, head));
  if (cmd.op === "put") out.set(cmd.value, head);
  else if (cmd.op === "cas") {
    out[head] = cmd.expect === null ? 0 : 1;
    new DataView(out.buffer).setUint32(head + 1, expectLen);
    if (cmd.expect !== null) out.set(cmd.expect, head + 5);
    out.set(cmd.value, head + 5 + expectLen);
  }
  return out;
}

/** Whether `data` is the whole of its ArrayBuffer, so a view of it keeps nothing else alive. */
export function ownsBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.buffer.byteLength === data.byteLength;
}

/** Decodes an entry's payload. Entries are written only by this module, so a bad one is a bug: it throws. */
export function decodeCommand(data: Uint8Array): KvCommand {
  if (data.length < 3) throw new RangeError(`command of ${data.length} bytes is too short`);
  const keyLen = (data[1]! << 8) | data[2]!;
  const head = 3 + keyLen;
  const key = fromUtf8.decode(data.subarray(3, head));
  switch (data[0]) {
    case OP_PUT:
      return { op: "put", key, value: data.subarray(head) };
    case OP_DEL:
      return { op: "del", key };
    case OP_CAS: {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const expectLen = view.getUint32(head + 1);
      const start = head + 5;
      const expect = data[head] === 0 ? null : data.subarray(start, start + expectLen);
      return { op: "cas", key, expect, value: data.subarray(start + expectLen) };
    }
    default:
      throw new RangeError(`unknown command op ${data[0]}`);
  }
}
