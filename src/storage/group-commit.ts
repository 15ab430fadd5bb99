// Group commit: one flush (fdatasync) makes every write issued before it started durable, so
// sync requests that arrive while a flush is in flight all ride on the next one together.
// Requests are counted in writes: a request asked for when nothing was written since the
// in-flight flush began simply joins that flush.

type SyncCallback = (err: Error | null) => void;

interface Waiter {
  /** The write count this request needs durable. */
  readonly upTo: number;
  readonly cb: SyncCallback;
}

export class GroupCommit {
  private readonly flush: (cb: (err: Error | null) => void) => void;
  private written = 0;
  private durable = 0;
  private flushing = false;
  private waiters: Waiter[] = [];
  private failure: Error | null = null;
  private closed = false;
  private onIdle: (() => void) | null = null;

  /** @param flush makes every write issued so far durable, then calls back (never synchronously). */
  constructor(flush: (cb: (err: Error | null) => void) => void) {
    this.flush = flush;
  }

  get inFlight(): boolean {
    return this.flushing;
  }

  /** Counts one write issued to the file (call after it returned). */
  noteWrite(): void {
    this.written++;
  }

  /** Makes every later request fail: after a failed write or fsync the file's state is unknown. */
  fail(err: Error): void {
    this.failure ??= err;
  }

  /** Calls back, in request order, once every write noted before this call is durable. */
  request(cb: SyncCallback): void {
    if (this.closed) throw new Error("store is closed");
    if (this.failure === null && this.written === this.durable) {
      // Nothing new since the last flush, so no waiter (they all need more) is left to overtake.
      process.nextTick(cb, null);
    } else if (this.failure !== null && !this.flushing) {
      process.nextTick(cb, this.failure);
    } else {
      this.waiters.push({ upTo: this.written, cb });
      if (!this.flushing) this.start();
    }
  }

  /** Drops every waiting callback; `then` runs once no flush is in flight. */
  close(then: () => void): void {
    this.closed = true;
    this.waiters = [];
    if (this.flushing) this.onIdle = then;
    else then();
  }

  private start(): void {
    const upTo = this.written;
    this.flushing = true;
    this.flush((err) => {
      this.flushing = false;
      if (this.closed) {
        this.onIdle?.();
        this.onIdle = null;
        return;
      }
      if (err) this.fail(err);
      else this.durable = upTo;
      this.release();
      if (this.waiters.length > 0 && !this.flushing) this.start();
    });
  }

  private release(): void {
    const failure = this.failure;
    let n = 0;
    while (n < this.waiters.length && (failure !== null || this.waiters[n]!.upTo <= this.durable)) n++;
    for (const w of this.waiters.splice(0, n)) w.cb(failure);
  }
}
