// A linearizability checker for the key-value model, in the style of Porcupine
// (github.com/anishathalye/porcupine): the history is partitioned by key (keys are independent, so the
// whole is linearizable iff every key is), and each key is searched with the Wing–Gong algorithm as
// improved by Lowe: operations' call and return events sit in one time-ordered doubly linked list; the
// search linearizes ("lifts") a call whose operation is legal in the current state, backtracks
// ("unlifts") when it reaches a return event whose operation is still pending, and memoizes each
// (set of linearized operations, state) configuration it has been in, so no configuration is explored
// twice. An operation with an unknown outcome returns at +Infinity: it sits after every other event,
// so it can take effect anywhere after its call, or be left for last, which is the same as never.
//
// Keys are checked smallest first and the search stops at the first failing key. Each key's search may
// visit at most `budget` configurations; if it runs out, that key is undecided and the verdict is
// "unknown" (never a guess) unless another key fails outright.

import { seededRng } from "../core/rng.ts";
import { type HistoryEvent, type Operation, pairEvents, type Value } from "./history.ts";
import { ILLEGAL, INITIAL_KV_STATE, stepKv } from "./kv-model.ts";

export type Verdict = "linearizable" | "not linearizable" | "unknown";

export interface CheckOptions {
  /** Maximum configurations explored per key before the key is declared undecided. */
  budget?: number;
}

export interface CheckResult {
  verdict: Verdict;
  /** The smallest key (by operation count) whose history is not linearizable. */
  failingKey?: string;
  /** Keys whose search ran out of budget, in the order they were checked. */
  undecidedKeys: string[];
  /** Keys in the history, and keys actually searched (the search stops at the first failing key). */
  partitions: number;
  checkedPartitions: number;
  /** Operations that constrain the model (after dropping failed and unknown reads, failed writes). */
  ops: number;
  /** Configurations explored, summed over the keys searched. */
  explored: number;
  budget: number;
  elapsedMs: number;
}

/**
 * Per key. Every Porcupine reference history needs under 180,000 (etcd_002 is the hardest); a key that
 * uses the whole budget holds a few hundred MB of configurations at most.
 */
export const DEFAULT_BUDGET = 2_000_000;

/** Pairs in-memory events (for example a simulator's history) and checks them. */
export function checkEvents(events: readonly HistoryEvent[], options: CheckOptions = {}): CheckResult {
  return checkOperations(pairEvents(events), options);
}

export function checkOperations(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const budget = options.budget ?? DEFAULT_BUDGET;
  if (!Number.isSafeInteger(budget) || budget < 1)
    throw new RangeError(`budget must be a positive integer (got ${budget})`);
  const started = performance.now();
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  const partitions = [...byKey].sort(([ka, a], [kb, b]) => a.length - b.length || (ka < kb ? -1 : ka > kb ? 1 : 0));

  const undecidedKeys: string[] = [];
  let explored = 0;
  let checked = 0;
  let failingKey: string | undefined;
  for (const [key, keyOps] of partitions) {
    checked++;
    const outcome = searchKey(keyOps, budget);
    explored += outcome.explored;
    if (outcome.result === "illegal") {
      failingKey = key;
      break;
    }
    if (outcome.result === "budget") undecidedKeys.push(key);
  }
  const verdict: Verdict =
    failingKey !== undefined ? "not linearizable" : undecidedKeys.length > 0 ? "unknown" : "linearizable";
  const result: CheckResult = {
    verdict,
    undecidedKeys,
    partitions: partitions.length,
    checkedPartitions: checked,
    ops: ops.length,
    explored,
    budget,
    elapsedMs: performance.now() - started,
  };
  if (failingKey !== undefined) result.failingKey = failingKey;
  return result;
}

interface KeyOutcome {
  result: "linearizable" | "illegal" | "budget";
  explored: number;
}

// Zobrist keys: each operation gets two random 32-bit words; a configuration's hash is the XOR of its
// linearized operations' words, updated in O(1) as operations are lifted and unlifted.
const zobristRng = seededRng(0x5eed);
const zobrist: number[] = [];
function zobristWord(i: number): number {
  while (zobrist.length <= i) zobrist.push(Math.floor(zobristRng.next() * 4294967296));
  return zobrist[i]!;
}

/**
 * Searches one key's operations. Event list nodes: 2i is operation i's call, 2i+1 its return, and 2n
 * the list head; next/prev are -1 at the ends.
 */
function searchKey(ops: readonly Operation[], budget: number): KeyOutcome {
  const n = ops.length;
  const time = (node: number): number => (node & 1 ? ops[node >> 1]!.return : ops[node >> 1]!.call);
  const order = Array.from({ length: 2 * n }, (_, k) => k).sort((a, b) => {
    const ta = time(a);
    const tb = time(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a & 1) - (b & 1) || a - b; // at equal times calls come first: such operations overlap
  });
  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = head;
  for (const node of order) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }

  // Interned states, so a configuration is (bitset, small integer).
  const states: Value[] = [INITIAL_KV_STATE];
  const stateIds = new Map<Value, number>([[INITIAL_KV_STATE, 0]]);
  const intern = (s: Value): number => {
    let id = stateIds.get(s);
    if (id === undefined) {
      id = states.length;
      states.push(s);
      stateIds.set(s, id);
    }
    return id;
  };

  const words = Math.ceil(n / 32) || 1;
  const linearized = new Uint32Array(words);
  const z1 = Array.from({ length: n }, (_, i) => zobristWord(2 * i));
  const z2 = Array.from({ length: n }, (_, i) => zobristWord(2 * i + 1));
  let h1 = 0;
  let h2 = 0;
  // Adds operation i to the linearized set, or takes it out again.
  const toggle = (i: number): void => {
    linearized[i >> 5]! ^= 1 << (i & 31);
    h1 ^= z1[i]!;
    h2 ^= z2[i]!;
  };
  const cache = new ConfigCache(words);

  const stackNode = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state = 0;
  let entry = next[head]!;
  while (next[head] !== -1) {
    if ((entry & 1) === 0) {
      const i = entry >> 1;
      const s = stepKv(states[state]!, ops[i]!);
      let lifted = false;
      if (s !== ILLEGAL) {
        const sid = intern(s);
        toggle(i);
        if (cache.add(linearized, sid, h1, h2)) {
          if (cache.size > budget) return { result: "budget", explored: budget }; // this one is not explored
          stackNode[depth] = entry;
          stackState[depth] = state;
          depth++;
          state = sid;
          lift(entry);
          entry = next[head]!;
          lifted = true;
        } else {
          toggle(i);
        }
      }
      if (!lifted) entry = next[entry]!;
    } else {
      // A pending operation's return: nothing after it can come first, so undo the last choice.
      if (depth === 0) return { result: "illegal", explored: cache.size };
      depth--;
      entry = stackNode[depth]!;
      state = stackState[depth]!;
      toggle(entry >> 1);
      unlift(entry);
      entry = next[entry]!;
    }
  }
  return { result: "linearizable", explored: cache.size };

  // Removes a call and its return from the list (the return always follows the call).
  function lift(call: number): void {
    next[prev[call]!] = next[call]!;
    prev[next[call]!] = prev[call]!;
    const ret = call + 1;
    next[prev[ret]!] = next[ret]!;
    if (next[ret] !== -1) prev[next[ret]!] = prev[ret]!;
  }

  function unlift(call: number): void {
    const ret = call + 1;
    next[prev[ret]!] = ret;
    if (next[ret] !== -1) prev[next[ret]!] = ret;
    next[prev[call]!] = call;
    prev[next[call]!] = call;
  }
}

/** The set of configurations seen: bitsets stored back to back in one growing pool. */
class ConfigCache {
  size = 0;
  private pool: Uint32Array;
  private stateOf: Int32Array;
  private chain: Int32Array; // next configuration with the same hash key, or -1
  private readonly first = new Map<number, number>();

  constructor(private readonly words: number) {
    this.pool = new Uint32Array(words * 1024);
    this.stateOf = new Int32Array(1024);
    this.chain = new Int32Array(1024);
  }

  /** Records the configuration; false if it was already there. */
  add(bits: Uint32Array, state: number, h1: number, h2: number): boolean {
    // A 53-bit key: all of h1 and 21 bits of h2 mixed with the state id.
    const key = (h1 >>> 0) * 0x200000 + ((h2 ^ Math.imul(state + 1, 0x9e3779b1)) & 0x1fffff);
    const head = this.first.get(key);
    for (let c = head ?? -1; c !== -1; c = this.chain[c]!) {
      if (this.stateOf[c] === state && this.sameBits(c, bits)) return false;
    }
    const c = this.size++;
    if (c === this.stateOf.length) this.grow();
    this.pool.set(bits, c * this.words);
    this.stateOf[c] = state;
    this.chain[c] = head ?? -1;
    this.first.set(key, c);
    return true;
  }

  private sameBits(c: number, bits: Uint32Array): boolean {
    const base = c * this.words;
    for (let w = 0; w < this.words; w++) if (this.pool[base + w] !== bits[w]) return false;
    return true;
  }

  private grow(): void {
    const cap = this.stateOf.length * 2;
    const pool = new Uint32Array(cap * this.words);
    pool.set(this.pool);
    this.pool = pool;
    const stateOf = new Int32Array(cap);
    stateOf.set(this.stateOf);
    this.stateOf = stateOf;
    const chain = new Int32Array(cap);
    chain.set(this.chain);
    this.chain = chain;
  }
}
