// A small non-cryptographic hash (two FNV-1a lanes folded into a 53-bit integer), used to fingerprint
// a run's event trace and to chain-hash logs for the invariant checks.

const FNV_PRIME = 0x01000193;
const SEED_A = 0x811c9dc5;
const SEED_B = 0x050c5d1f;

/** A 53-bit hash state: lane a in the high 32 bits, 21 bits of lane b below. */
export type Hash53 = number;

function mixByte(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME) >>> 0;
}

function fold(a: number, b: number): Hash53 {
  return a * 0x200000 + (b & 0x1fffff);
}

/** Seeds both lanes from a previous hash, so each hash in a chain covers everything before it. */
function lanes(h: Hash53): [number, number] {
  const a = Math.floor(h / 0x200000) >>> 0;
  return [a, ((h % 0x200000) ^ SEED_B) >>> 0];
}

/** Extends `prev` with the bytes of `data` (and of the integers in `nums`, as 32-bit words). */
export function extendHash(prev: Hash53, nums: readonly number[], data: Uint8Array = EMPTY): Hash53 {
  let [a, b] = lanes(prev);
  for (const n of nums) {
    const lo = n >>> 0;
    const hi = Math.floor(n / 0x100000000) >>> 0;
    for (const w of [lo, hi]) {
      for (let s = 0; s < 32; s += 8) {
        a = mixByte(a, (w >>> s) & 0xff);
        b = mixByte(b, ((w >>> s) & 0xff) ^ 0x5a);
      }
    }
  }
  for (let i = 0; i < data.length; i++) {
    a = mixByte(a, data[i]!);
    b = mixByte(b, data[i]! ^ 0x5a);
  }
  return fold(a, b);
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

export const HASH_START: Hash53 = fold(SEED_A, SEED_B);

/** A running fingerprint of a sequence of records: equal sequences give equal digests. */
export class Digest {
  private h: Hash53 = HASH_START;
  private n = 0;

  add(s: string): void {
    this.h = extendHash(this.h, [s.length], utf8.encode(s));
    this.n++;
  }

  /** Adds a record made of integers (cheaper than a string on hot paths). */
  addNums(nums: readonly number[]): void {
    this.h = extendHash(this.h, nums);
    this.n++;
  }

  /** Number of records added. */
  get count(): number {
    return this.n;
  }

  hex(): string {
    return `${this.h.toString(16).padStart(14, "0")}/${this.n}`;
  }
}
