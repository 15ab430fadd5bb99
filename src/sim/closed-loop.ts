// Closed-loop load in virtual time, as the bench's autocannon offers it: each of C connections sends
// a write of a fresh key (PUT /kv/{key}) to the leader and sends the next as soon as the answer
// arrives. A request travels half the client round trip each way; the node pays its HTTP cost on its
// event loop. A failed write (the node is not, or no longer, the leader) counts as an error, and the
// connection moves to the leader it was told of after a short wait.

import type { NodeId } from "../core/types.ts";
import type { ProposalOutcome } from "../node/driver.ts";
import { type ApplyResult, encodeCommand } from "../node/kv-command.ts";
import type { Cluster } from "./cluster.ts";
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
}

/** A connection waits this long after a failed request before its next one. */
const RETRY_NS = 10 * MS;

export class ClosedLoop {
  private stopped = false;
  private seq = 0;
  private readonly value: Uint8Array;

  constructor(
    private readonly sched: Scheduler,
    private readonly cluster: Cluster,
    private readonly o: ClosedLoopOptions,
    private readonly observer: LoadObserver,
  ) {
    this.value = new Uint8Array(o.valueBytes).fill(0x78);
  }

  /** Opens every connection against `leader`. */
  start(leader: NodeId): void {
    for (let i = 0; i < this.o.connections; i++) this.send(leader);
  }

  /** No connection sends again; requests in flight still complete. */
  stop(): void {
    this.stopped = true;
  }

  private send(node: NodeId): void {
    if (this.stopped) return;
    const { sched, o } = this;
    const started = sched.now;
    const data = encodeCommand({ op: "put", key: `k${this.seq++}`, value: this.value });
    const answered = (out: ProposalOutcome<ApplyResult>): void => {
      if (out.ok) {
        this.observer.success(sched.now, sched.now - started);
        this.send(node);
        return;
      }
      this.observer.failure(sched.now, out.code);
      const next = out.leader || this.cluster.leader() || node;
      sched.after(RETRY_NS, () => this.send(next));
    };
    sched.after(o.clientOneWayNs, () =>
      this.cluster.serve(node, (driver, respond) =>
        driver.propose(data, (out) => respond(() => sched.after(o.clientOneWayNs, () => answered(out)))),
      ),
    );
  }
}
