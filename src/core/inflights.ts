// The pipelining window of one follower (etcd-io/raft tracker/inflights.go): the AppendEntries sent
// but not yet acknowledged, bounded by a count and by payload bytes. With the `pipeline` flag off the
// count is 1, which is stop-and-wait.

export class Inflights {
  // A ring of (last index of the message, payload bytes), oldest first.
  private readonly lastIndex: number[];
  private readonly size: number[];
  private start = 0;
  private n = 0;
  private totalBytes = 0;

  constructor(
    readonly capacity: number,
    /** 0 = no byte limit. */
    readonly maxBytes: number,
    /** Ring slots: `capacity`, or more when a shrunk window still holds more messages (`resized`). */
    private readonly slots = capacity,
  ) {
    this.lastIndex = new Array<number>(slots).fill(0);
    this.size = new Array<number>(slots).fill(0);
  }

  /**
   * The same messages in a window of other bounds (a flag switch). A window shrunk below its count
   * stays full until acknowledgements bring it under the new bound.
   */
  resized(capacity: number, maxBytes: number): Inflights {
    const out = new Inflights(capacity, maxBytes, Math.max(capacity, this.n));
    for (let i = 0; i < this.n; i++) {
      const slot = (this.start + i) % this.slots;
      out.push(this.lastIndex[slot]!, this.size[slot]!);
    }
    return out;
  }

  get count(): number {
    return this.n;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Records a message whose last entry is `index`; indexes must be added in increasing order. */
  add(index: number, bytes: number): void {
    if (this.n >= this.capacity) throw new Error("inflights: add to a full window");
    this.push(index, bytes);
  }

  private push(index: number, bytes: number): void {
    const slot = (this.start + this.n) % this.slots;
    this.lastIndex[slot] = index;
    this.size[slot] = bytes;
    this.n++;
    this.totalBytes += bytes;
  }

  /** Frees every message whose last index is <= `index` (they are acknowledged). */
  freeLE(index: number): void {
    while (this.n > 0 && this.lastIndex[this.start]! <= index) {
      this.totalBytes -= this.size[this.start]!;
      this.start = (this.start + 1) % this.slots;
      this.n--;
    }
    if (this.n === 0) this.start = 0;
  }

  /** Full by count, or by bytes once the outstanding payload reaches the limit. */
  full(): boolean {
    return this.n >= this.capacity || (this.maxBytes > 0 && this.totalBytes >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
    this.totalBytes = 0;
  }
}
