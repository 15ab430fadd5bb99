// A virtual-time event queue: every simulated action (a tick, a message delivery, an fsync
// completion, a client request) is an event at an integer time in nanoseconds. Events at the same
// time run in the order they were scheduled, so a run is a pure function of its seed.

import { type Rng, seededRng } from "../core/rng.ts";

/** Virtual time, in integer nanoseconds. */
export type Nanos = number;
export const US: Nanos = 1_000;
export const MS: Nanos = 1_000_000;

interface Event {
  readonly time: Nanos;
  readonly seq: number;
  readonly fn: () => void;
}

const before = (a: Event, b: Event): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);

export class Scheduler {
  /** The one source of randomness of a run; every component draws from it in event order. */
  readonly rng: Rng;
  private readonly heap: Event[] = [];
  private seq = 0;
  private time: Nanos = 0;
  private ran = 0;

  constructor(seed: number) {
    this.rng = seededRng(seed);
  }

  get now(): Nanos {
    return this.time;
  }

  /** Events run so far. */
  get eventsRun(): number {
    return this.ran;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Runs `fn` at virtual time `t` (not in the past). */
  at(t: Nanos, fn: () => void): void {
    if (!Number.isSafeInteger(t)) throw new RangeError(`event time must be an integer number of ns, got ${t}`);
    if (t < this.time) throw new RangeError(`event time ${t} is in the past (now ${this.time})`);
    this.push({ time: t, seq: this.seq++, fn });
  }

  /** Runs `fn` after `delay` ns (rounded to an integer, at least 0). */
  after(delay: Nanos, fn: () => void): void {
    this.at(this.time + Math.max(0, Math.round(delay)), fn);
  }

  /** Runs the next event; false when the queue is empty. */
  step(): boolean {
    const ev = this.pop();
    if (ev === undefined) return false;
    this.time = ev.time;
    this.ran++;
    ev.fn();
    return true;
  }

  /**
   * Runs every event up to and including time `t`, then moves the clock to `t`. Stops early (clock
   * left at the last event) when `stop()` becomes true after an event; returns whether it did.
   */
  runUntil(t: Nanos, stop?: () => boolean): boolean {
    while (this.heap.length > 0 && this.heap[0]!.time <= t) {
      this.step();
      if (stop?.()) return true;
    }
    if (t > this.time) this.time = t;
    return false;
  }

  private push(ev: Event): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = ev;
  }

  private pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
    return top;
  }
}
