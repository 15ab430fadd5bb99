// The chaos workload: concurrent clients reading, writing unique values, and compare-and-setting a small
// set of keys over the client HTTP API, each operation recorded with its outcome (see recording.ts).
// The first half of the clients are pinned to one node each (they still follow its redirect to the
// leader, as any client of the API does); the others are free: they go to the node that last answered,
// and move to another node when theirs is unreachable or knows no leader. Every request has a deadline;
// one that passes it is an unknown outcome.

import type { OpName, Value } from "../check/history.ts";
import { type Rng, seededRng } from "../core/rng.ts";
import { MAX_HOPS, NodeClient, NoResponseError, type Reply } from "../node/api-client.ts";
import { classify, type HttpResult, type OpRecord } from "./recording.ts";

export interface Workload {
  /** Client URL of each node, node i at index i-1. */
  readonly urls: readonly string[];
  readonly clients: number;
  /** The keys the clients share (keyNames). */
  readonly keys: readonly string[];
  readonly seed: number;
  /** Deadline of one request, redirects included. */
  readonly timeoutMs: number;
  /** Each client waits up to this long (uniformly drawn) between its operations that got an answer. */
  readonly thinkMs: number;
}

/** Back-off range after an operation that got no useful answer, in ms. */
const BACKOFF_MS: readonly [number, number] = [50, 150];

/** `n` keys `<prefix>0`, `<prefix>1`, …: a run on a cluster that holds data already gives a prefix of its own. */
export function keyNames(n: number, prefix = "k"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** One request to the cluster, following 307s; returns the answer and the node that gave it. */
export async function send(
  urls: readonly string[],
  node: number,
  method: string,
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<{ result: HttpResult; node: number }> {
  // One deadline for every hop; redirects are followed here, only to the cluster's own nodes.
  const signal = AbortSignal.timeout(timeoutMs);
  for (let hop = 0; ; hop++) {
    let reply: Reply;
    try {
      reply = await new NodeClient(urls[node - 1]!).send(method, path, { body, signal, timeoutMs });
    } catch (err) {
      if (!(err instanceof NoResponseError)) throw err;
      return { result: { kind: "no-response", reason: err.reason, detail: err.detail }, node };
    }
    const location = reply.location;
    if (reply.status === 307 && location && hop < MAX_HOPS) {
      const next = urls.findIndex((u) => location.startsWith(`${u}/`));
      if (next < 0)
        return { result: { kind: "response", status: 307, body: `redirect outside the cluster: ${location}` }, node };
      node = next + 1;
      path = location.slice(urls[next]!.length);
      continue;
    }
    return { result: { kind: "response", status: reply.status, body: reply.body }, node };
  }
}

/** The request that performs an operation. */
export function requestFor(
  f: OpName,
  key: string,
  input: Value | [Value, Value],
): { method: string; path: string; body?: string } {
  const path = `/${f === "cas" ? "cas" : "kv"}/${encodeURIComponent(key)}`;
  if (f === "read") return { method: "GET", path };
  if (f === "write") return { method: "PUT", path, body: input as string };
  const [expect, value] = input as [Value, Value];
  return { method: "POST", path, body: JSON.stringify({ expect, value }) };
}

/** Performs one operation and records it; `nowNs` is the run's monotonic clock. */
export async function runOp(
  w: Workload,
  nowNs: () => number,
  client: number,
  node: number,
  f: OpName,
  key: string,
  input: Value | [Value, Value],
): Promise<OpRecord> {
  const req = requestFor(f, key, input);
  const start = nowNs();
  const { result, node: answeredBy } = await send(w.urls, node, req.method, req.path, req.body, w.timeoutMs);
  return { process: client, f, key, input, start, end: nowNs(), result: classify(f, result), node: answeredBy };
}

export class Clients {
  readonly records: OpRecord[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly w: Workload,
    private readonly nowNs: () => number,
  ) {}

  start(): void {
    this.loops = Array.from({ length: this.w.clients }, (_, p) => this.loop(p));
  }

  /** Stops issuing operations and waits for those in flight (each ends by its deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(p: number): Promise<void> {
    const rng = seededRng((this.w.seed * 31 + p * 7919 + 17) >>> 0);
    const keys = this.w.keys;
    const pinned = pinnedNode(p, this.w);
    let node = pinned ?? rng.int(1, this.w.urls.length + 1);
    /** The value this client last knew each key to hold, the `expect` of its next cas. */
    const seen = new Map<string, Value>();
    for (let n = 0; !this.stopped; n++) {
      const key = keys[rng.int(0, keys.length)]!;
      const roll = rng.next();
      const unique = `${p}.${n}`;
      const [f, input]: [OpName, Value | [Value, Value]] =
        roll < 0.4 ? ["read", null] : roll < 0.75 ? ["write", unique] : ["cas", [seen.get(key) ?? null, unique]];
      const rec = await runOp(this.w, this.nowNs, p, node, f, key, input);
      this.records.push(rec);
      remember(seen, rec);
      if (pinned === null) node = nextNode(rng, rec, this.w.urls.length);
      await new Promise((r) => setTimeout(r, pauseAfter(rng, rec, this.w.thinkMs)));
    }
  }
}

/** The node client `p` is pinned to (the first half of the clients are), or null for a free client. */
function pinnedNode(p: number, w: Workload): number | null {
  return p < Math.ceil(w.clients / 2) ? (p % w.urls.length) + 1 : null;
}

function remember(seen: Map<string, Value>, rec: OpRecord): void {
  const { completion, value, current } = rec.result;
  if (completion === "ok") {
    if (rec.f === "read") seen.set(rec.key, value ?? null);
    else if (rec.f === "write") seen.set(rec.key, rec.input as Value);
    else seen.set(rec.key, (rec.input as [Value, Value])[1]);
  } else if (completion === "failed" && current !== undefined) {
    seen.set(rec.key, current);
  }
}

/**
 * The think time before a client's next operation; after an answer that was no use (its node is down or
 * knows no leader) a longer back-off, so a client pinned to a dead node does not spin.
 */
function pauseAfter(rng: Rng, rec: OpRecord, thinkMs: number): number {
  const useful = rec.result.completion === "ok" || rec.result.completion === "failed";
  return useful ? rng.int(0, thinkMs + 1) : rng.int(BACKOFF_MS[0], BACKOFF_MS[1]);
}

/** A free client stays with the node that answered, and moves on when it got no useful answer. */
function nextNode(rng: Rng, rec: OpRecord, nodes: number): number {
  if (rec.result.completion === "ok" || rec.result.completion === "failed") return rec.node;
  return rng.int(1, nodes + 1);
}
