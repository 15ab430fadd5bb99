// Real drivers (core + memory store + KV state machine) driven by hand: every callback, fsync and
// message waits in one queue that the test runs, so who leads, which messages arrive and which
// entries commit is decided step by step. Fsyncs and async apply batches can be held back, to
// catch a driver with work in flight; the drivers' failpoint hits can be recorded.

import { expect } from "vitest";
import { configFromFlags, type RaftConfig } from "../../../src/core/config.ts";
import { type Flags, parseFlags } from "../../../src/core/flags.ts";
import { RawNode } from "../../../src/core/raw-node.ts";
import type { Message, NodeId } from "../../../src/core/types.ts";
import { inlineApplier } from "../../../src/node/appliers.ts";
import { type DriverFailpoint, type ProposalOutcome, RaftDriver } from "../../../src/node/driver.ts";
import { type ApplyResult, encodeCommand } from "../../../src/node/kv-command.ts";
import { KvStateMachine } from "../../../src/node/kv-state-machine.ts";
import { MemoryStore } from "../../../src/storage/memory-store.ts";

export class HandCluster {
  private readonly tasks: (() => void)[] = [];
  private net: Message[] = [];
  /** Nodes whose messages (both ways) are dropped. */
  readonly cut = new Set<NodeId>();
  /** Drops any other message it returns true for. */
  drop: (m: Message) => boolean = () => false;
  readonly drivers = new Map<NodeId, RaftDriver<ApplyResult>>();
  readonly stateMachines = new Map<NodeId, KvStateMachine>();
  /** While set, fsync completions wait in `heldSyncs` and async apply batches in `heldApplies`. */
  holdSyncs = false;
  holdApplies = false;
  readonly heldSyncs: (() => void)[] = [];
  readonly heldApplies: (() => void)[] = [];
  /** Async apply batches started, per node. */
  readonly asyncApplies = new Map<NodeId, number>();

  /** `failpoint` hears every failpoint hit of every node (arming the drivers' hooks). */
  constructor(flags: string, nodes: number, failpoint?: (id: NodeId, name: DriverFailpoint) => void) {
    const schedule = (fn: () => void): void => void this.tasks.push(fn);
    const VOTERS = Array.from({ length: nodes }, (_, i) => i + 1);
    for (const id of VOTERS) {
      const store = new MemoryStore((fn) => (this.holdSyncs ? this.heldSyncs.push(fn) : schedule(fn)));
      const sm = new KvStateMachine();
      this.stateMachines.set(id, sm);
      this.asyncApplies.set(id, 0);
      const configFor = (f: Flags): RaftConfig =>
        configFromFlags(id, VOTERS, f, { preVote: false, checkQuorum: false, seed: id });
      this.drivers.set(
        id,
        new RaftDriver({
          core: new RawNode(configFor(parseFlags(flags)), store),
          store,
          flags: parseFlags(flags),
          configFor,
          stateMachine: sm,
          send: (msgs) => void this.net.push(...msgs),
          // An apply loop that runs from the same queue (not setImmediate): the test stays synchronous.
          asyncApplier: {
            apply: (entries, done) => {
              this.asyncApplies.set(id, this.asyncApplies.get(id)! + 1);
              const run = (): void => inlineApplier(sm).apply(entries, done);
              if (this.holdApplies) this.heldApplies.push(run);
              else schedule(run);
            },
          },
          schedule,
          onFatal: (err) => {
            throw err;
          },
          failpoint: failpoint && ((name) => failpoint(id, name)),
        }),
      );
    }
  }

  driver(id: NodeId): RaftDriver<ApplyResult> {
    return this.drivers.get(id)!;
  }

  /** Lets the held fsyncs and apply batches complete (in the queue), and holds no more. */
  release(): void {
    this.holdSyncs = false;
    this.holdApplies = false;
    this.tasks.push(...this.heldSyncs.splice(0), ...this.heldApplies.splice(0));
  }

  /** Runs queued work and delivers messages (dropping those of cut nodes) until nothing moves. */
  settle(): void {
    for (let round = 0; round < 10_000; round++) {
      if (this.step()) continue;
      if (this.net.length === 0) return;
      const batch = this.net;
      this.net = [];
      for (const m of batch) {
        if (!this.cut.has(m.from) && !this.cut.has(m.to) && !this.drop(m)) this.driver(m.to).step([m]);
      }
    }
    throw new Error("the cluster did not settle");
  }

  /** Runs one queued task; false when none is queued. */
  step(): boolean {
    const task = this.tasks.shift();
    task?.();
    return task !== undefined;
  }

  /** Ticks `id` until it campaigns and lets the election run; again while it has not won. */
  elect(id: NodeId): void {
    const d = this.driver(id);
    for (let attempt = 0; attempt < 5 && d.status().role !== "leader"; attempt++) {
      const term = d.status().term;
      for (let i = 0; i < 40 && d.status().term === term; i++) d.tick();
      this.settle();
    }
    expect(d.status().role).toBe("leader");
  }

  /** Proposes a put of `key` (its own value) on `id` and records its outcome; does not settle. */
  propose(id: NodeId, key: string, outcomes: Map<string, ProposalOutcome | null>): void {
    outcomes.set(key, null);
    this.driver(id).propose(encodeCommand({ op: "put", key, value: new TextEncoder().encode(key) }), (o) =>
      outcomes.set(key, o),
    );
  }

  put(id: NodeId, key: string, outcomes: Map<string, ProposalOutcome | null>): void {
    this.propose(id, key, outcomes);
    this.settle();
  }
}
