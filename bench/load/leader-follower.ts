// Where the open loop sends its next request when a cell's leader may change under it: the node
// that last answered, moved on every sign that it is not (or no longer) the leader. A 307 names the
// leader in its Location; a 503 (no leader known, leadership lost) or a dead socket names nothing, so
// the next node round the list is tried. Requests are never retried: each such answer counts as failed.

export class LeaderFollower {
  private readonly nodes: readonly URL[];
  private index: number;

  /** `nodes`: every node's client URL (base URLs, e.g. http://127.0.0.1:7001); `first`: the leader at start. */
  constructor(nodes: readonly string[], first: string) {
    const origins = [...new Set([first, ...nodes].map((n) => new URL(n).origin))];
    this.nodes = origins.map((o) => new URL(o));
    this.index = 0;
  }

  /** The node the next request goes to. */
  get current(): URL {
    return this.nodes[this.index]!;
  }

  /**
   * `from` answered as a non-leader (307 with `location`) or failed (503, socket): move off it. An
   * answer from a node the generator already left changes nothing, so the requests still in flight
   * to a dead leader do not walk the target round the cluster.
   */
  moveFrom(from: URL, location?: string): void {
    if (from !== this.current) return;
    const named = location === undefined ? -1 : this.nodes.findIndex((n) => n.origin === originOf(location));
    this.index = named >= 0 && named !== this.index ? named : (this.index + 1) % this.nodes.length;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}
