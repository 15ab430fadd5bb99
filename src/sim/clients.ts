// Simulated clients: each issues one operation at a time (read, write with a unique value, or cas)
// on a few keys, against the node it believes leads. A `not_leader` answer means nothing happened,
// so the client follows the hint (or tries another node) and retries within the same operation; an
// operation that does not finish within its timeout is recorded as `info` (outcome unknown), and the
// client goes on as a new process, as Jepsen clients do. Every operation goes into a history in the
// event format of docs/DESIGN.md "Histories and the checker", with virtual nanoseconds as time.

import type { HistoryEvent, Value } from "../check/history.ts";
import type { NodeId } from "../core/types.ts";
import type { ProposalOutcome, RaftDriver, ReadOutcome } from "../node/driver.ts";
import { type ApplyResult, encodeCommand, type KvCommand } from "../node/kv-command.ts";
import type { KvStateMachine } from "../node/kv-state-machine.ts";
import type { Digest } from "./digest.ts";
import type { Nanos, Scheduler } from "./scheduler.ts";

/** How clients reach nodes; the cluster models the client link, pauses and crashes. */
export interface ClientGateway {
  readonly nodeIds: readonly NodeId[];
  /** Runs `fn` on the node's driver when the request arrives (never if the node is down; late if paused). */
  call(node: NodeId, fn: (driver: RaftDriver<ApplyResult>, kv: KvStateMachine) => void): void;
}

export interface ClientOptions {
  readonly clients: number;
  readonly keys: number;
  /** Operations to issue in all; clients stop when it is reached. */
  readonly ops: number;
  readonly opTimeoutNs: Nanos;
  /** Pause between a client's operations: uniform in [0, thinkNs). */
  readonly thinkNs: Nanos;
  /** Wait before retrying after `not_leader` with no known leader. */
  readonly retryNs: Nanos;
  /** One-way delay between a client and a node. */
  readonly linkNs: Nanos;
}

export interface ClientStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
}

type Op =
  | { readonly f: "read"; readonly key: string }
  | { readonly f: "write"; readonly key: string; readonly value: string }
  | { readonly f: "cas"; readonly key: string; readonly expect: Value; readonly value: string };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
/** A stored value as the history spells it (null = absent). */
export const text = (b: Uint8Array | null): Value => (b === null ? null : fromUtf8.decode(b));

export class Clients {
  readonly history: HistoryEvent[] = [];
  readonly stats: ClientStats = { invoked: 0, ok: 0, fail: 0, info: 0 };
  private readonly clients: SimClient[] = [];
  private busy = 0;

  constructor(
    readonly sched: Scheduler,
    readonly gateway: ClientGateway,
    readonly o: ClientOptions,
    readonly trace: Digest,
  ) {
    for (let i = 0; i < o.clients; i++) this.clients.push(new SimClient(this, i));
  }

  start(): void {
    for (const c of this.clients) c.next();
  }

  /** True once every operation has been issued and has completed (ok, fail or info). */
  get done(): boolean {
    return this.stats.invoked >= this.o.ops && this.busy === 0;
  }

  /** Takes the next operation slot, or false when the budget is spent. */
  claim(): boolean {
    if (this.stats.invoked >= this.o.ops) return false;
    this.stats.invoked++;
    this.busy++;
    return true;
  }

  record(e: HistoryEvent): void {
    this.history.push(e);
    this.trace.add(`${e.time} ${e.process} ${e.type} ${e.f} ${e.key} ${JSON.stringify(e.value)}`);
    if (e.type === "invoke") return;
    this.stats[e.type]++;
    this.busy--;
  }
}

class SimClient {
  private process: number;
  private leader: NodeId;
  private seq = 0;
  /** The operation in flight (its attempts compare against it to ignore stale replies). */
  private current: object | null = null;
  /** The last value this client saw per key: its cas guesses. */
  private readonly seen = new Map<string, Value>();

  constructor(
    private readonly all: Clients,
    private readonly index: number,
  ) {
    this.process = index;
    const ids = all.gateway.nodeIds;
    this.leader = ids[index % ids.length]!;
  }

  next(): void {
    const { sched, o } = this.all;
    sched.after(Math.floor(sched.rng.next() * o.thinkNs), () => {
      if (this.all.claim()) this.invoke(this.pickOp());
    });
  }

  private pickOp(): Op {
    const rng = this.all.sched.rng;
    const key = `k${rng.int(0, this.all.o.keys)}`;
    const r = rng.next();
    if (r < 0.4) return { f: "read", key };
    const value = `${this.index}.${++this.seq}`;
    if (r < 0.8) return { f: "write", key, value };
    return { f: "cas", key, expect: this.seen.get(key) ?? null, value };
  }

  private invoke(op: Op): void {
    const { sched, o } = this.all;
    const token = {};
    this.current = token;
    const value = op.f === "read" ? null : op.f === "write" ? op.value : ([op.expect, op.value] as [Value, Value]);
    this.all.record({ process: this.process, type: "invoke", f: op.f, key: op.key, value, time: sched.now });
    const finish = (type: "ok" | "fail" | "info", result: Value, current?: Value): void => {
      if (this.current !== token) return;
      this.current = null;
      const event: HistoryEvent = {
        process: this.process,
        type,
        f: op.f,
        key: op.key,
        value: op.f === "read" ? result : value,
        time: sched.now,
      };
      if (current !== undefined) event.current = current;
      this.all.record(event);
      if (type === "info") this.process += this.all.o.clients; // a new process: the old one may still be "running"
      this.next();
    };
    sched.after(o.opTimeoutNs, () => finish("info", null));
    this.attempt(op, token, finish);
  }

  private attempt(
    op: Op,
    token: object,
    finish: (type: "ok" | "fail" | "info", result: Value, current?: Value) => void,
  ): void {
    const { sched, gateway, o } = this.all;
    const node = this.leader;
    const reply = (handle: () => void) => sched.after(o.linkNs, () => this.current === token && handle());
    const retry = (hint: number): void => {
      if (hint !== 0) {
        this.leader = hint;
        this.attempt(op, token, finish);
      } else {
        this.leader = this.otherNode(node);
        sched.after(o.retryNs, () => this.current === token && this.attempt(op, token, finish));
      }
    };
    sched.after(o.linkNs, () =>
      gateway.call(node, (driver, kv) => {
        if (op.f === "read") {
          driver.read(
            () => kv.get(op.key),
            (out: ReadOutcome<Uint8Array | null>) =>
              reply(() => {
                if (out.ok) {
                  const v = text(out.value);
                  this.seen.set(op.key, v);
                  finish("ok", v);
                } else if (out.code === "not_leader") retry(out.leader);
                else finish("info", null);
              }),
          );
          return;
        }
        driver.propose(encodeCommand(this.command(op)), (out: ProposalOutcome<ApplyResult>) =>
          reply(() => {
            if (out.ok) {
              if (out.result.ok) {
                this.seen.set(op.key, op.value);
                finish("ok", null);
              } else {
                const current = text(out.result.current);
                this.seen.set(op.key, current);
                finish("fail", null, current);
              }
            } else if (out.code === "not_leader" || out.code === "lost" || out.code === "transferring") {
              // Nothing was (or ever will be) applied: safe to retry the same operation.
              retry(out.leader);
            } else if (out.code === "too_large") finish("fail", null);
            else finish("info", null);
          }),
        );
      }),
    );
  }

  private command(op: Exclude<Op, { f: "read" }>): KvCommand {
    if (op.f === "write") return { op: "put", key: op.key, value: utf8.encode(op.value) };
    return {
      op: "cas",
      key: op.key,
      expect: op.expect === null ? null : utf8.encode(op.expect),
      value: utf8.encode(op.value),
    };
  }

  private otherNode(not: NodeId): NodeId {
    const ids = this.all.gateway.nodeIds.filter((n) => n !== not);
    return ids[this.all.sched.rng.int(0, ids.length)] ?? not;
  }
}
