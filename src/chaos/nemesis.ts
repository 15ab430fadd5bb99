// The nemesis of a chaos run: a fault schedule planned from a seed, then played against a real cluster.
//
// Two lanes run side by side, so faults overlap (a kill during a partition, say): the process lane kills
// the leader, another node or every node at once with SIGKILL and restarts them on their data
// directories, or pauses a node or the leader with SIGSTOP (some pauses shorter than the 150 ms minimum
// election timeout, some well past the 300 ms maximum: a leader that wakes up stale); the network lane
// shapes links through each node's `/admin/links`: the leader isolated, a majority/minority split, a
// one-way cut (a node that can send but not hear, or the reverse), delay with jitter, and loss. Each lane
// deals its fault categories like a shuffled deck, so the first two faults of a lane always include one
// of each (a kill and a pause; a partition and a link fault), even in a short run. Every fault is healed
// after its duration, or when the nemesis stops.
//
// The plan depends only on the seed, the cluster size and the duration; which node is "the leader" is
// resolved when the fault starts (the planned node stands in when no leader is known).

import { type Rng, seededRng } from "../core/rng.ts";
import type { LinkChangeBody } from "../node/api-types.ts";

export type FaultKind =
  | "kill-leader"
  | "kill-node"
  | "kill-all"
  | "pause-short"
  | "pause-long"
  | "pause-leader"
  | "isolate-leader"
  | "split"
  | "one-way"
  | "delay"
  | "loss";

export type Lane = "process" | "network";

export interface PlannedFault {
  readonly lane: Lane;
  readonly kind: FaultKind;
  /** Start, in ms after the nemesis starts. */
  readonly atMs: number;
  readonly forMs: number;
  /** The victim (for a `*-leader` kind: the stand-in when no leader is known). */
  readonly node: number;
  /** split: the minority side (the rest is the majority). */
  readonly minority?: readonly number[];
  /** one-way: "out" = the node's messages are dropped; "in" = messages to the node are dropped. */
  readonly direction?: "out" | "in";
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly lossRate?: number;
}

export interface PlanOptions {
  readonly nodes: number;
  readonly durationMs: number;
}

/** Quiet time between two faults of a lane, and the range of each fault's length, in ms. */
const GAP_MS: readonly [number, number] = [300, 1000];
const LENGTH_MS: Record<FaultKind, readonly [number, number]> = {
  "kill-leader": [300, 1500],
  "kill-node": [300, 1500],
  "kill-all": [200, 800],
  "pause-short": [40, 140],
  "pause-long": [450, 1500],
  "pause-leader": [450, 1500],
  "isolate-leader": [500, 1500],
  split: [500, 1500],
  "one-way": [500, 1500],
  delay: [400, 1200],
  loss: [400, 1200],
};

const DECKS: Record<Lane, readonly (readonly FaultKind[])[]> = {
  process: [
    ["kill-leader", "kill-leader", "kill-node", "kill-all"],
    ["pause-short", "pause-long", "pause-leader"],
  ],
  network: [
    ["isolate-leader", "split", "one-way"],
    ["delay", "loss"],
  ],
};

/** The fault schedule for `seed`: the same seed, size and duration always give the same plan. */
export function planFaults(seed: number, o: PlanOptions): PlannedFault[] {
  if (!Number.isInteger(o.nodes) || o.nodes < 1)
    throw new RangeError(`nodes must be a positive integer, got ${o.nodes}`);
  const plan: PlannedFault[] = [];
  (["process", "network"] as const).forEach((lane, i) => {
    // Each lane has its own stream, so adding a fault to one lane leaves the other's plan alone.
    const rng = seededRng((seed * 2654435761 + i * 40503 + 1) >>> 0);
    const deck: (readonly FaultKind[])[] = [];
    for (let at = between(rng, GAP_MS); at < o.durationMs; ) {
      if (deck.length === 0) deck.push(...shuffle(rng, [...DECKS[lane]]));
      const variants = deck.shift()!;
      const kind = variants[rng.int(0, variants.length)]!;
      const fault = planOne(rng, lane, kind, at, o.nodes);
      plan.push(fault);
      at += fault.forMs + between(rng, GAP_MS);
    }
  });
  return plan.sort((a, b) => a.atMs - b.atMs || (a.lane < b.lane ? -1 : 1));
}

function planOne(rng: Rng, lane: Lane, kind: FaultKind, atMs: number, nodes: number): PlannedFault {
  const base = { lane, kind, atMs, forMs: between(rng, LENGTH_MS[kind]), node: rng.int(1, nodes + 1) };
  switch (kind) {
    case "split": {
      const ids = shuffle(
        rng,
        Array.from({ length: nodes }, (_, i) => i + 1),
      );
      return { ...base, minority: ids.slice(0, Math.max(1, Math.floor((nodes - 1) / 2))).sort((a, b) => a - b) };
    }
    case "one-way":
      return { ...base, direction: rng.next() < 0.5 ? "out" : "in" };
    case "delay":
      return { ...base, delayMs: rng.int(2, 30), jitterMs: rng.int(0, 10) };
    case "loss":
      return { ...base, lossRate: Math.round((0.05 + rng.next() * 0.3) * 100) / 100 };
    default:
      return base;
  }
}

function between(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return rng.int(lo, hi);
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** What the nemesis does to the cluster. Failures (a paused node's admin endpoint, say) are reported, not thrown. */
export interface FaultTarget {
  readonly ids: readonly number[];
  /** The current leader, or null when none answers as leader. */
  leader(): Promise<number | null>;
  kill(id: number): Promise<void>;
  restart(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
  /** Applies a link change on node `id`; resolves false when the node did not accept it. */
  shape(id: number, change: LinkChangeBody): Promise<boolean>;
}

/** One fault as it happened: which nodes it hit and when (ms on the run's clock). */
export interface FaultEvent {
  readonly lane: Lane;
  readonly kind: FaultKind;
  readonly nodes: readonly number[];
  readonly detail: string;
  readonly startMs: number;
  endMs: number;
  /** Link changes that a node did not accept (it was paused or down), if any. */
  missed: string[];
}

interface ActiveFault {
  readonly event: FaultEvent;
  readonly heal: () => Promise<void>;
}

export class Nemesis {
  readonly events: FaultEvent[] = [];
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  /** When run() began, on `nowMs`'s clock: planned times count from here. */
  private origin = 0;

  /** `nowMs` is the run's clock; fault events are stamped with it. */
  constructor(
    private readonly target: FaultTarget,
    private readonly plan: readonly PlannedFault[],
    private readonly nowMs: () => number,
  ) {}

  /** Plays the plan; resolves once every lane is done and every fault it injected is healed. */
  async run(): Promise<void> {
    this.origin = this.nowMs();
    await Promise.all(
      (["process", "network"] as const).map((lane) => this.runLane(this.plan.filter((f) => f.lane === lane))),
    );
  }

  /** Makes `run()` heal what is active and finish early. */
  stop(): void {
    this.stopped = true;
    for (const w of this.wakers) w();
    this.wakers.clear();
  }

  private async runLane(faults: readonly PlannedFault[]): Promise<void> {
    for (const f of faults) {
      await this.sleepUntil(f.atMs);
      if (this.stopped) return;
      const active = await this.inject(f);
      await this.sleepUntil(active.event.startMs - this.origin + f.forMs);
      await active.heal();
      active.event.endMs = this.nowMs();
    }
  }

  /** Sleeps until `ms` after run() began, or until stop(). */
  private sleepUntil(ms: number): Promise<void> {
    const wait = this.origin + ms - this.nowMs();
    if (this.stopped || wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.wakers.add(done);
    });
  }

  private async inject(f: PlannedFault): Promise<ActiveFault> {
    const t = this.target;
    const others = (id: number): number[] => t.ids.filter((n) => n !== id);
    const record = (nodes: readonly number[], detail: string): FaultEvent => {
      const event: FaultEvent = {
        lane: f.lane,
        kind: f.kind,
        nodes,
        detail,
        startMs: this.nowMs(),
        endMs: Number.NaN,
        missed: [],
      };
      this.events.push(event);
      return event;
    };
    switch (f.kind) {
      case "kill-leader":
      case "kill-node": {
        const victim = f.kind === "kill-leader" ? ((await t.leader()) ?? f.node) : f.node;
        const event = record([victim], `kill -9 node ${victim}, restart after ${f.forMs} ms`);
        await t.kill(victim);
        return { event, heal: async () => t.restart(victim) };
      }
      case "kill-all": {
        const event = record(t.ids, `kill -9 every node (a power cut), restart after ${f.forMs} ms`);
        await Promise.all(t.ids.map((id) => t.kill(id)));
        return {
          event,
          heal: async () => {
            for (const id of t.ids) t.restart(id);
          },
        };
      }
      case "pause-short":
      case "pause-long":
      case "pause-leader": {
        const victim = f.kind === "pause-leader" ? ((await t.leader()) ?? f.node) : f.node;
        const event = record([victim], `SIGSTOP node ${victim} for ${f.forMs} ms`);
        t.pause(victim);
        return { event, heal: async () => t.resume(victim) };
      }
      case "isolate-leader": {
        const victim = (await t.leader()) ?? f.node;
        return this.cutLinks(record([victim], `node ${victim} isolated`), [
          [victim, others(victim)],
          ...others(victim).map((o): Cut => [o, [victim]]),
        ]);
      }
      case "split": {
        const minority = f.minority!;
        const majority = t.ids.filter((n) => !minority.includes(n));
        const cuts: Cut[] = [
          ...minority.map((m): Cut => [m, majority]),
          ...majority.map((m): Cut => [m, [...minority]]),
        ];
        return this.cutLinks(record(t.ids, `split {${minority.join(",")}} | {${majority.join(",")}}`), cuts);
      }
      case "one-way": {
        const cuts: Cut[] =
          f.direction === "out" ? [[f.node, others(f.node)]] : others(f.node).map((o): Cut => [o, [f.node]]);
        const detail =
          f.direction === "out"
            ? `node ${f.node} cannot send (it still hears the others)`
            : `node ${f.node} cannot hear (it still sends)`;
        return this.cutLinks(record([f.node], detail), cuts);
      }
      case "delay":
      case "loss": {
        const on: LinkChangeBody =
          f.kind === "delay" ? { delayMs: f.delayMs!, jitterMs: f.jitterMs! } : { lossRate: f.lossRate! };
        const off: LinkChangeBody = f.kind === "delay" ? { delayMs: 0, jitterMs: 0 } : { lossRate: 0 };
        const detail =
          f.kind === "delay"
            ? `every link +${f.delayMs} ms ± ${f.jitterMs} ms`
            : `every link drops ${Math.round(f.lossRate! * 100)}%`;
        const event = record(t.ids, detail);
        await this.shapeAll(
          event,
          t.ids.map((id) => [id, on] as const),
        );
        return {
          event,
          heal: () =>
            this.shapeAll(
              event,
              t.ids.map((id) => [id, off] as const),
            ),
        };
      }
    }
  }

  private async cutLinks(event: FaultEvent, cuts: readonly Cut[]): Promise<ActiveFault> {
    await this.shapeAll(
      event,
      cuts.map(([from, to]) => [from, { to, partitioned: true }] as const),
    );
    return {
      event,
      heal: () =>
        this.shapeAll(
          event,
          cuts.map(([from, to]) => [from, { to, partitioned: false }] as const),
        ),
    };
  }

  private async shapeAll(event: FaultEvent, changes: readonly (readonly [number, LinkChangeBody])[]): Promise<void> {
    const results = await Promise.all(changes.map(([id, change]) => this.target.shape(id, change)));
    results.forEach((ok, i) => {
      if (!ok) event.missed.push(`node ${changes[i]![0]}: ${JSON.stringify(changes[i]![1])}`);
    });
  }
}

/** A one-way cut: messages from the first node to each of the listed nodes are dropped. */
type Cut = readonly [number, readonly number[]];
