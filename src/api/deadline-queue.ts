// Deadlines that share one timer. Every request arms a timeout and nearly every one is cancelled
// long before it fires; a Node timer per request costs a timer-list insert and removal and a
// closure each time, on the leader's busiest path. All deadlines of one queue are the same length
// after their arming, so they expire in the order they were added: a FIFO list with O(1) add and
// cancel, and a single timer armed for the oldest.

export interface Deadline {
  /** Cancels the deadline; harmless after it fired or was cancelled. */
  cancel(): void;
}

class Entry implements Deadline {
  prev: Entry | null = null;
  next: Entry | null = null;
  linked = true;

  constructor(
    readonly queue: DeadlineQueue,
    readonly at: number,
    readonly fn: () => void,
  ) {}

  cancel(): void {
    if (this.linked) this.queue.unlink(this);
  }
}

export class DeadlineQueue {
  private head: Entry | null = null;
  private tail: Entry | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly ms: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Runs `fn` after this queue's `ms`, unless cancelled first. */
  add(fn: () => void): Deadline {
    const e = new Entry(this, this.now() + this.ms, fn);
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    if (this.timer === null) this.arm(this.ms);
    return e;
  }

  unlink(e: Entry): void {
    e.linked = false;
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
  }

  /** A cancelled head leaves the timer armed for its old deadline; it then re-arms for the new head. */
  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, ms));
  }

  private expire(): void {
    this.timer = null;
    const now = this.now();
    while (this.head && this.head.at <= now) {
      const e = this.head;
      this.unlink(e);
      e.fn();
    }
    if (this.head) this.arm(Math.ceil(this.head.at - now));
  }
}
