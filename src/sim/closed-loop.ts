// Closed-loop load in virtual time, as the bench's autocannon offers it: each of C connections sends
// a write of a fresh key (PUT /kv/{key}) to the leader and sends the next as soon as the answer
// arrives. The load generator is one event loop (event-loop.ts) that pays for each request it sends
// and answer it reads, so answers that arrive together leave again one after another; its latency is
// timed as it reads the answer. A request travels half the client round trip each way, and the node
// pays its HTTP cost on its own loop. A failed write (the node is not, or no longer, the leader)
// counts as an error, and the connection moves to the leader it was told of after a short wait.

import type { NodeId } from "../core/types.ts";
import type { ProposalOutcome } from "../node/driver.ts";
import { type ApplyResult, encodeCommand } from "../node/kv-command.ts";
import type { Cluster } from "./cluster.ts";
import { EventLoop, type WakeCost } from "./event-loop.ts";
import { MS, type Nanos, type Scheduler } from "./scheduler.ts";

/** Where each outcome goes: times and latencies in virtual ns. */
export interface LoadObserver {
  success(atNs: Nanos, latencyNs: Nanos): void;
  failure(atNs: Nanos, kind: string): void;
}

export interface ClosedLoopOptions {
  readonly connections: number;
  readonly valueBytes: number;
  /** One way between a client and a node. */
  readonly clientOneWayNs: Nanos;
  /** The load generator's loop time per request: sending it and reading its answer. */
  readonly nsPerRequest: Nanos;
  /** What its loop pays to wake from idle (see event-loop.ts). */
  readonly wake: WakeCost;
}

/** A connection waits this long after a failed request before its next one. */
const RETRY_NS = 10 * MS;

export class ClosedLoop {
  private stopped = false;
  private seq = 0;
  private readonly value: Uint8Array;
  /** The load generator's one event loop. */
  readonly loop: EventLoop;

  constructor(
    private readonly sched: Scheduler,
    private readonly cluster: Cluster,
    private readonly o: ClosedLoopOptions,
    private readonly observer: LoadObserver,
  ) {
    this.value = new Uint8Array(o.valueBytes).fill(0x78);
    this.loop = new EventLoop(sched, cluster.cpu, o.wake);
  }

  /** Opens every connection against `leader`. */
  start(leader: NodeId): void {
    for (let i = 0; i < this.o.connections; i++) this.loop.submit(() => this.send(leader));
  }

  /** No connection sends again; requests in flight still complete. */
  stop(): void {
    this.stopped = true;
  }

  /** A task of the generator's loop: builds the next request, pays for it, and sends it. */
  private send(node: NodeId): void {
    if (this.stopped) return;
    const { sched, o } = this;
    const data = encodeCommand({ op: "put", key: `k${this.seq++}`, value: this.value });
    this.loop.charge(o.nsPerRequest);
    this.loop.issue(() => {
      const started = sched.now;
      const answered = (out: ProposalOutcome<ApplyResult>) => this.loop.submit(() => this.read(out, started, node));
      sched.after(o.clientOneWayNs, () =>
        this.cluster.serve(node, (driver, respond) =>
          driver.propose(data, (out) => respond(() => sched.after(o.clientOneWayNs, () => answered(out)))),
        ),
      );
    });
  }

  /** A task of the generator's loop: reads an answer and sends the connection's next request. */
  private read(out: ProposalOutcome<ApplyResult>, started: Nanos, node: NodeId): void {
    const now = this.sched.now;
    if (out.ok) {
      this.observer.success(now, now - started);
      this.send(node);
      return;
    }
    this.observer.failure(now, out.code);
    const next = out.leader || this.cluster.leader() || node;
    this.sched.after(RETRY_NS, () => this.loop.submit(() => this.send(next)));
  }
}
