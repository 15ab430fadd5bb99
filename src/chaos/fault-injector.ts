// One fault of the nemesis's repertoire injected now, and how to heal it: the part of a chaos run
// that the bench's events (bench/events/) use too.

import type { LinkChangeBody } from "../node/api-types.ts";
import { type FaultEvent, type FaultTarget, hasProcesses, type NetworkTarget, type PlannedFault } from "./faults.ts";

export interface ActiveFault {
  readonly event: FaultEvent;
  readonly heal: () => Promise<void>;
}

export class FaultInjector {
  /** Every fault injected, in order. */
  readonly events: FaultEvent[] = [];

  /** `nowMs` is the run's clock; fault events are stamped with it. */
  constructor(
    private readonly target: NetworkTarget | FaultTarget,
    private readonly nowMs: () => number,
  ) {}

  /** The process hands a process fault needs; a target without them cannot take one. */
  private processes(f: PlannedFault): FaultTarget {
    if (!hasProcesses(this.target))
      throw new Error(`${f.kind} needs the node processes on this machine; this target has only links`);
    return this.target;
  }

  /** Injects `f` now (a `*-leader` kind hits the current leader) and records it in `events`. */
  async inject(f: PlannedFault): Promise<ActiveFault> {
    const t = this.target;
    const others = (id: number): number[] => t.ids.filter((n) => n !== id);
    const record = (nodes: readonly number[], detail: string, startMs = this.nowMs()): FaultEvent => {
      const event: FaultEvent = {
        lane: f.lane,
        kind: f.kind,
        nodes,
        detail,
        startMs,
        endMs: Number.NaN,
        missed: [],
      };
      this.events.push(event);
      return event;
    };
    switch (f.kind) {
      case "kill-leader":
      case "kill-node": {
        const p = this.processes(f);
        const victim = f.kind === "kill-leader" ? ((await t.leader()) ?? f.node) : f.node;
        const event = record([victim], `kill -9 node ${victim}, restart after ${f.forMs} ms`);
        await p.kill(victim);
        return { event, heal: async () => p.restart(victim) };
      }
      case "kill-all": {
        const p = this.processes(f);
        const event = record(t.ids, `kill -9 every node (a power cut), restart after ${f.forMs} ms`);
        await Promise.all(t.ids.map((id) => p.kill(id)));
        return {
          event,
          heal: async () => {
            for (const id of t.ids) p.restart(id);
          },
        };
      }
      case "pause-short":
      case "pause-long":
      case "pause-leader": {
        const p = this.processes(f);
        const victim = f.kind === "pause-leader" ? ((await t.leader()) ?? f.node) : f.node;
        const event = record([victim], `SIGSTOP node ${victim} for ${f.forMs} ms`);
        p.pause(victim);
        return { event, heal: async () => p.resume(victim) };
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
      case "transfer-leader": {
        const asked = this.nowMs();
        const from = await t.leader();
        if (from === null) return { event: record([], "no leader to hand over from", asked), heal: async () => {} };
        const r = await t.transferLeader(from);
        const detail =
          "refused" in r
            ? `node ${from} did not hand over: ${r.refused}`
            : `node ${from} handed leadership to node ${r.leader} in ${r.ms.toFixed(1)} ms`;
        return { event: record("refused" in r ? [from] : [from, r.leader], detail, asked), heal: async () => {} };
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
