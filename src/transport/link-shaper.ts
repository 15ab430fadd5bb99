// Link shaping per directed link (this node → a peer): delay, jitter, loss and partition, the
// lab's stand-in for `tc netem`. Settings change at run time and apply to messages shaped after
// the change.
//
// Accuracy. setTimeout alone has 1 ms granularity and fires late (or slightly early against the
// monotonic clock, since libuv caches the loop time), so a 1 ms delay would really be 1–2 ms.
// Here setTimeout only covers the coarse part: it is armed `spinMs` before the earliest due time,
// and the rest is covered by setImmediate turns that check performance.now(). Those turns still
// run the poll phase (with a zero timeout), so I/O keeps flowing, but they keep a core busy for up
// to `spinMs` before each due time: the price of sub-millisecond accuracy, paid only while delayed
// messages are pending. `spinMs: 0` turns the fine part off (plain timers).
// Measured by scripts/link-shaper-accuracy.ts on this 2-core VM while other work ran (load ~2.6),
// delivery error at 1/2/5/10/20 ms delays: median 4–10 µs with the fine part (p90 20–170 µs) vs
// 110–310 µs with plain timers (p90 130–790 µs); the ms-scale p99 of both came from CPU
// contention, not from the shaper. The fine part cost 30–50% of a core at 1 ms delays (one message
// in flight at a time), 4% at 20 ms.
//
// Order. With zero jitter a link is FIFO: a message is never due before the one shaped before it
// on the same link, even right after its delay was lowered. With jitter, each message draws its
// own delay uniformly from [delay - jitter, delay + jitter] (floored at 0), so messages on the
// same link may overtake each other, as on a real network; Raft tolerates reordering.

import type { Rng } from "../core/rng.ts";
import { seededRng } from "../core/rng.ts";
import type { NodeId } from "../core/types.ts";

export interface LinkSettings {
  /** One-way delay added to every message, ms. */
  readonly delayMs: number;
  /** Each message's delay is drawn uniformly from delayMs ± jitterMs (never below 0), ms. */
  readonly jitterMs: number;
  /** Probability in [0, 1] that a message is dropped. */
  readonly lossRate: number;
  /** Drop every message on this link (a one-way partition; cut the other way on the peer). */
  readonly partitioned: boolean;
}

const UNSHAPED: LinkSettings = Object.freeze({ delayMs: 0, jitterMs: 0, lossRate: 0, partitioned: false });

export class LinkSettingsError extends RangeError {
  override readonly name = "LinkSettingsError";
}

export interface LinkShaperStats {
  readonly droppedPartition: number;
  readonly droppedLoss: number;
  readonly delayed: number;
  /** Messages waiting for their due time now. */
  readonly pending: number;
}

export interface LinkShaperOptions {
  /** Decides loss and jitter; seeded, so a run's drops replay. Default: seededRng(1). */
  readonly rng?: Rng;
  /** Settings of every link not set individually. Default: UNSHAPED. */
  readonly defaults?: Partial<LinkSettings>;
  /** How long before a due time the shaper stops sleeping on timers and polls the clock. Default 1 ms. */
  readonly spinMs?: number;
  /** The clock, in ms (monotonic). Default: performance.now. */
  readonly now?: () => number;
}

interface Pending {
  readonly due: number;
  readonly seq: number;
  readonly deliver: () => void;
}

/** The largest delay or jitter a link takes (a minute: any more is a partition). */
export const MAX_LINK_DELAY_MS = 60_000;

/** Merges and checks a settings change; throws LinkSettingsError naming the bad field. */
function mergeLinkSettings(base: LinkSettings, change: Partial<LinkSettings>): LinkSettings {
  const next = { ...base, ...change };
  const nonNegative = (name: "delayMs" | "jitterMs"): void => {
    const v = next[name];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new LinkSettingsError(`${name} must be a finite number >= 0, got ${String(v)}`);
    }
  };
  nonNegative("delayMs");
  nonNegative("jitterMs");
  if (typeof next.lossRate !== "number" || !(next.lossRate >= 0 && next.lossRate <= 1)) {
    throw new LinkSettingsError(`lossRate must be a number in [0, 1], got ${String(next.lossRate)}`);
  }
  if (typeof next.partitioned !== "boolean") {
    throw new LinkSettingsError(`partitioned must be a boolean, got ${String(next.partitioned)}`);
  }
  return Object.freeze({
    delayMs: next.delayMs,
    jitterMs: next.jitterMs,
    lossRate: next.lossRate,
    partitioned: next.partitioned,
  });
}

/** A binary min-heap of pending deliveries ordered by (due, seq): seq keeps equal due times FIFO. */
class DueHeap {
  private readonly items: Pending[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Pending | undefined {
    return this.items[0];
  }

  push(p: Pending): void {
    const a = this.items;
    let i = a.push(p) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Pending | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(x: Pending, y: Pending): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}

export class LinkShaper {
  private readonly rng: Rng;
  private readonly spinMs: number;
  private readonly now: () => number;
  private defaults: LinkSettings;
  private readonly perLink = new Map<NodeId, LinkSettings>();
  /** Latest due time given on each link, so a zero-jitter link stays FIFO across delay changes. */
  private readonly lastDue = new Map<NodeId, number>();
  private readonly heap = new DueHeap();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private immediate: NodeJS.Immediate | null = null;
  private droppedPartition = 0;
  private droppedLoss = 0;
  private delayed = 0;

  constructor(opts: LinkShaperOptions = {}) {
    this.rng = opts.rng ?? seededRng(1);
    this.spinMs = opts.spinMs ?? 1;
    this.now = opts.now ?? (() => performance.now());
    this.defaults = mergeLinkSettings(UNSHAPED, opts.defaults ?? {});
  }

  /**
   * Changes settings. With `to`, only those links; without, the defaults and every link (so a
   * change without `to` resets individual settings of the fields it names).
   */
  set(change: Partial<LinkSettings>, to?: readonly NodeId[]): void {
    if (to === undefined) {
      const defaults = mergeLinkSettings(this.defaults, change);
      const links = [...this.perLink].map(([id, s]) => [id, mergeLinkSettings(s, change)] as const);
      this.defaults = defaults;
      for (const [id, s] of links) this.perLink.set(id, s);
      return;
    }
    const links = to.map((id) => [id, mergeLinkSettings(this.get(id), change)] as const);
    for (const [id, s] of links) this.perLink.set(id, s);
  }

  /** The settings in force on the link to `to`. */
  get(to: NodeId): LinkSettings {
    return this.perLink.get(to) ?? this.defaults;
  }

  /** Settings of the links set individually, and the defaults for all others. */
  snapshot(): { defaults: LinkSettings; links: Record<string, LinkSettings> } {
    return { defaults: this.defaults, links: Object.fromEntries(this.perLink) };
  }

  /**
   * Shapes one message on the link to `to`: returns false if it is dropped, else true and calls
   * `deliver` now (unshaped link) or at its due time.
   */
  shape(to: NodeId, deliver: () => void): boolean {
    const s = this.get(to);
    if (s.partitioned) {
      this.droppedPartition++;
      return false;
    }
    if (s.lossRate > 0 && this.rng.next() < s.lossRate) {
      this.droppedLoss++;
      return false;
    }
    if (s.delayMs === 0 && s.jitterMs === 0 && !this.lastDue.has(to)) {
      deliver();
      return true;
    }
    let due = this.now() + s.delayMs;
    if (s.jitterMs > 0) {
      due += (this.rng.next() * 2 - 1) * s.jitterMs;
      due = Math.max(due, this.now());
    } else {
      due = Math.max(due, this.lastDue.get(to) ?? 0);
    }
    this.lastDue.set(to, due);
    this.delayed++;
    this.heap.push({ due, seq: this.seq++, deliver });
    if (this.heap.peek()!.seq === this.seq - 1) this.arm();
    return true;
  }

  stats(): LinkShaperStats {
    return {
      droppedPartition: this.droppedPartition,
      droppedLoss: this.droppedLoss,
      delayed: this.delayed,
      pending: this.heap.size,
    };
  }

  /** Discards pending deliveries and stops the timers (so the process can exit). */
  clear(): void {
    this.heap.clear();
    this.lastDue.clear();
    this.disarm();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.timerDue = Infinity;
    this.immediate = null;
  }

  /** Schedules the next wake-up for the earliest pending delivery. */
  private arm(): void {
    const next = this.heap.peek();
    if (next === undefined) {
      this.disarm();
      return;
    }
    const wait = next.due - this.now();
    if (wait <= this.spinMs) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.timerDue = Infinity;
      this.immediate ??= setImmediate(this.onWake);
      return;
    }
    if (this.timer !== null && this.timerDue <= next.due) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(this.onWake, wait - this.spinMs);
  }

  private readonly onWake = (): void => {
    this.disarm();
    const now = this.now();
    for (let p = this.heap.peek(); p !== undefined && p.due <= now; p = this.heap.peek()) {
      this.heap.pop();
      p.deliver();
    }
    this.purgeLastDue(now);
    this.arm();
  };

  /** Forgets due times in the past, so idle unshaped links go back to the synchronous fast path. */
  private purgeLastDue(now: number): void {
    for (const [id, due] of this.lastDue) if (due <= now) this.lastDue.delete(id);
  }
}
