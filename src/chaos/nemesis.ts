// The nemesis of a chaos run: a fault schedule planned from a seed, then played against a real cluster.
//
// Two lanes run side by side, so faults overlap (a kill during a partition, say): the process lane kills
// the leader, another node or every node at once with SIGKILL and restarts them on their data
// directories, or pauses a node or the leader with SIGSTOP (some pauses shorter than the 150 ms minimum
// election timeout, some well past the 300 ms maximum: a leader that wakes up stale); the network lane
// shapes links through each node's `/admin/links`: the leader isolated, a majority/minority split, a
// one-way cut (a node that can send but not hear, or the reverse), delay with jitter, and loss; the
// operations lane asks the leader to hand leadership over (`POST /admin/transfer-leader`), so hand-overs
// meet the other lanes' kills and cuts. Each lane deals its fault categories like a shuffled deck, so
// the first two faults of a lane always include one of each (a kill and a pause; a partition and a link
// fault), even in a short run. Every fault is healed after its duration, or when the nemesis stops.
//
// A cluster on other hosts takes no process faults (`lanes`); each lane's plan is the same with or
// without the others.
//
// The plan depends only on the seed, the cluster size and the duration; which node is "the leader" is
// resolved when the fault starts (the planned node stands in when no leader is known).

import { type Rng, seededRng } from "../core/rng.ts";
import { FaultInjector } from "./fault-injector.ts";
import {
  type FaultEvent,
  type FaultKind,
  type FaultTarget,
  hasProcesses,
  type Lane,
  type NetworkTarget,
  type PlannedFault,
} from "./faults.ts";

export interface PlanOptions {
  readonly nodes: number;
  readonly durationMs: number;
  /** The lanes to plan (default both): a cluster on other hosts takes network faults only. */
  readonly lanes?: readonly Lane[];
}

export const LANES: readonly Lane[] = ["process", "network", "operations"];

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
  // The hand-over itself is over when its request answers; this is the lane's quiet time after it.
  "transfer-leader": [200, 800],
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
  operations: [["transfer-leader"]],
};

/** The fault schedule for `seed`: the same seed, size and duration always give the same plan. */
export function planFaults(seed: number, o: PlanOptions): PlannedFault[] {
  if (!Number.isInteger(o.nodes) || o.nodes < 1)
    throw new RangeError(`nodes must be a positive integer, got ${o.nodes}`);
  const plan: PlannedFault[] = [];
  LANES.forEach((lane, i) => {
    if (o.lanes && !o.lanes.includes(lane)) return;
    // Each lane has its own stream, so adding a fault to one lane (or leaving one out) leaves the
    // other's plan alone.
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

export class Nemesis {
  private readonly injector: FaultInjector;
  private stopped = false;
  private readonly wakers = new Set<() => void>();
  /** When run() began, on `nowMs`'s clock: planned times count from here. */
  private origin = 0;

  /** `nowMs` is the run's clock; fault events are stamped with it. */
  constructor(
    target: NetworkTarget | FaultTarget,
    private readonly plan: readonly PlannedFault[],
    private readonly nowMs: () => number,
  ) {
    const process = plan.find((f) => f.lane === "process");
    if (process && !hasProcesses(target))
      throw new Error(`the plan has a ${process.kind} fault, but this target takes network faults only`);
    this.injector = new FaultInjector(target, nowMs);
  }

  /** Every fault injected so far, in order. */
  get events(): readonly FaultEvent[] {
    return this.injector.events;
  }

  /** Plays the plan; resolves once every lane is done and every fault it injected is healed. */
  async run(): Promise<void> {
    this.origin = this.nowMs();
    await Promise.all(LANES.map((lane) => this.runLane(this.plan.filter((f) => f.lane === lane))));
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
      const active = await this.injector.inject(f);
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
}
