// The simulated network between nodes. Every message sent gets a delay from its directed link's
// shape (base + jitter), then passes through the active fault filters, which may drop, cut,
// duplicate, delay or reorder it (faults are filters over message lists). Links are FIFO, like the
// real transport's connections, except for envelopes a reorder filter has marked. A link with a
// bandwidth also carries one message at a time: each occupies it for its size over the bandwidth,
// and its delay starts once it is all on the wire.

import type { Rng } from "../core/rng.ts";
import type { Message, NodeId } from "../core/types.ts";
import { estimateBytes } from "../transport/frame-limits.ts";
import type { Nanos, Scheduler } from "./scheduler.ts";

/** A message in flight, with the delay it will take. */
export interface Envelope {
  readonly msg: Message;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly delay: Nanos;
  /** Set by a reorder filter: this envelope may overtake earlier ones on its link. */
  readonly unordered?: boolean;
}

export type MessageFilter = (batch: readonly Envelope[], rng: Rng) => Envelope[];

export interface LinkShape {
  readonly baseNs: Nanos;
  readonly jitterNs: Nanos;
  /** Bytes the link carries per ns (8 = 64 Gbit/s); absent: no limit. Sizes are the transport's estimate. */
  readonly bytesPerNs?: number;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

const linkKey = (from: NodeId, to: NodeId): number => from * 65536 + to;

export class Network {
  private readonly shapes = new Map<number, LinkShape>();
  private readonly lastArrival = new Map<number, Nanos>();
  /** When each bandwidth-limited link has put its last message on the wire. */
  private readonly wireFree = new Map<number, Nanos>();
  private readonly filters = new Map<number, MessageFilter>();
  private nextFilterId = 1;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(
    private readonly sched: Scheduler,
    private readonly defaultShape: LinkShape,
    /** Hands a message to its destination when it arrives. */
    private readonly deliver: (to: NodeId, msg: Message) => void,
  ) {}

  /** Sets the shape of the directed link from → to. */
  setLink(from: NodeId, to: NodeId, shape: LinkShape): void {
    this.shapes.set(linkKey(from, to), shape);
  }

  /** Activates a fault filter; returns the handle that removes it. */
  addFilter(filter: MessageFilter): number {
    const id = this.nextFilterId++;
    this.filters.set(id, filter);
    return id;
  }

  removeFilter(id: number): void {
    this.filters.delete(id);
  }

  clearFilters(): void {
    this.filters.clear();
  }

  get activeFilters(): number {
    return this.filters.size;
  }

  send(msgs: readonly Message[]): void {
    if (msgs.length === 0) return;
    const rng = this.sched.rng;
    let batch: Envelope[] = msgs.map((msg) => {
      const shape = this.shapes.get(linkKey(msg.from, msg.to)) ?? this.defaultShape;
      return { msg, from: msg.from, to: msg.to, delay: shape.baseNs + Math.floor(rng.next() * shape.jitterNs) };
    });
    for (const filter of this.filters.values()) batch = filter(batch, rng);
    const distinct = new Set(batch.map((e) => e.msg)).size;
    this.stats.sent += msgs.length;
    this.stats.dropped += msgs.length - distinct;
    this.stats.duplicated += batch.length - distinct;
    for (const e of batch) this.schedule(e);
  }

  private schedule(e: Envelope): void {
    const key = linkKey(e.from, e.to);
    const bytesPerNs = (this.shapes.get(key) ?? this.defaultShape).bytesPerNs;
    let sent = this.sched.now;
    if (bytesPerNs !== undefined) {
      sent = Math.max(sent, this.wireFree.get(key) ?? 0) + Math.round(estimateBytes(e.msg) / bytesPerNs);
      this.wireFree.set(key, sent);
    }
    let arrival = sent + Math.max(0, Math.round(e.delay));
    if (!e.unordered) {
      arrival = Math.max(arrival, this.lastArrival.get(key) ?? 0);
      this.lastArrival.set(key, arrival);
    }
    this.sched.at(arrival, () => {
      this.stats.delivered++;
      this.deliver(e.to, e.msg);
    });
  }
}

// ---- Fault filters. Each is a pure function of the batch and the run's rng. ----

/** Drops every message on the directed link from → to. */
export function cut(from: NodeId, to: NodeId): MessageFilter {
  return (batch) => batch.filter((e) => !(e.from === from && e.to === to));
}

/** Drops every message to or from `node`. */
export function isolate(node: NodeId): MessageFilter {
  return (batch) => batch.filter((e) => e.from !== node && e.to !== node);
}

/** Only messages within one group pass; nodes in no group are isolated. */
export function partition(groups: readonly (readonly NodeId[])[]): MessageFilter {
  const groupOf = new Map<NodeId, number>();
  groups.forEach((g, i) => {
    for (const n of g) groupOf.set(n, i);
  });
  return (batch) =>
    batch.filter((e) => {
      const g = groupOf.get(e.from);
      return g !== undefined && g === groupOf.get(e.to);
    });
}

/** Asymmetric partition: messages from any of `from` to any of `to` are dropped; the reverse direction passes. */
export function oneWay(from: readonly NodeId[], to: readonly NodeId[]): MessageFilter {
  const src = new Set(from);
  const dst = new Set(to);
  return (batch) => batch.filter((e) => !(src.has(e.from) && dst.has(e.to)));
}

/** Drops each message with probability `p`. */
export function dropRandom(p: number): MessageFilter {
  return (batch, rng) => batch.filter(() => rng.next() >= p);
}

/** Sends a second copy of each message with probability `p`, a little later than the first. */
export function duplicate(p: number, maxExtraNs: Nanos): MessageFilter {
  return (batch, rng) =>
    batch.flatMap((e) =>
      rng.next() < p ? [e, { ...e, delay: e.delay + Math.floor(rng.next() * maxExtraNs), unordered: true }] : [e],
    );
}

/** With probability `p`, delays a message by up to `maxExtraNs` and lets it overtake others on its link. */
export function reorder(p: number, maxExtraNs: Nanos): MessageFilter {
  return (batch, rng) =>
    batch.map((e) =>
      rng.next() < p ? { ...e, delay: e.delay + Math.floor(rng.next() * maxExtraNs), unordered: true } : e,
    );
}

/** Adds `extraNs` to every message's delay (a slow network), keeping links FIFO. */
export function slow(extraNs: Nanos): MessageFilter {
  return (batch) => batch.map((e) => ({ ...e, delay: e.delay + extraNs }));
}
