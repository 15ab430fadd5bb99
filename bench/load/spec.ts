// What a load generator is asked to do and what it reports back (the IPC messages between the sweep
// and bench/load/worker.ts), and the HTTP requests it sends to each system under test.

import { seededRng } from "../../src/core/rng.ts";
import type { LoadWorkerShare, TimeSeries } from "../results.ts";
import type { KeyDist } from "./keys.ts";
import type { LatencySummary } from "./latency.ts";

export type Protocol = "raftlab" | "etcd";

export type LoadMode =
  | { readonly kind: "closed"; readonly connections: number }
  /** `maxOutstanding`: requests in flight beyond this are not sent and count as errors ("late"). */
  | { readonly kind: "open"; readonly rate: number; readonly maxOutstanding: number };

export interface LoadSpec {
  /** Base URL of the node that takes the load (the leader), e.g. http://127.0.0.1:7001. */
  readonly target: string;
  /**
   * Every node's client URL: the open loop follows the leader among them (bench/load/leader-follower.ts).
   * Absent: the load stays on `target`.
   */
  readonly nodes?: readonly string[];
  readonly protocol: Protocol;
  readonly mode: LoadMode;
  readonly warmupS: number;
  readonly durationS: number;
  readonly valueSize: number;
  /** Key space size; 0 = a fresh key per request. */
  readonly keys: number;
  readonly keyDist: KeyDist;
  /** Probability that a request is a read (GET) rather than a write (PUT). */
  readonly readRatio: number;
  /**
   * Reads are stale reads (raftlab's `GET /kv/K?stale=1`) spread over every node in `nodes`; writes
   * stay on `target`. Closed loop: the connections split in the read ratio into writers and readers
   * (bench/load/reader-split.ts); open loop: each read goes to the next node.
   */
  readonly staleReads?: boolean;
  readonly seed: number;
  /** The series' interval (default bench/load/intervals.ts's INTERVAL_MS). */
  readonly intervalMs?: number;
  /** Open loop: report every success's completion time and latency (`LoadResult.successes`). */
  readonly logSuccesses?: boolean;
  /** Report the latency histograms themselves (`LoadResult.histograms`), to merge several generators' results. */
  readonly shareHistograms?: boolean;
}

/** A result's HDR histograms in HdrHistogram's compressed base64 form: the window's, and each interval's. */
export interface EncodedHistograms {
  readonly whole: string;
  readonly intervals: readonly string[];
  /** The reads alone, when the window had successful reads. */
  readonly reads?: string;
}

/** A load's reads alone: successes, their rate over the measured window, and their latency. */
export interface ReadsResult {
  readonly ok: number;
  readonly throughput: number;
  readonly latency: LatencySummary;
}

/** Successes in completion order, as columns: ms since the measured window opened, and latency in ms. */
export interface SuccessLog {
  readonly atMs: readonly number[];
  readonly latencyMs: readonly number[];
}

export interface LoadResult {
  /** Requests completed in the measured window (ok + errors). */
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  /** Errors by kind: `status 503`, `socket`, `timeout`, `late` (open loop), ... */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Length of the measured window in seconds. */
  readonly windowS: number;
  /** Successful requests per second over the measured window. */
  readonly throughput: number;
  readonly latency: LatencySummary;
  /** The reads alone, timed apart from the writes (absent when no read succeeded). */
  readonly reads?: ReadsResult;
  /** Outcomes per interval of the measured window. */
  readonly series: TimeSeries;
  /** The load generator's own CPU (cores) and event-loop utilization over the measured window. */
  readonly cpu: number;
  readonly elu: number;
  /** Every success of the window, when the spec asked for them (`logSuccesses`). */
  readonly successes?: SuccessLog;
  /** The histograms, when the spec asked for them (`shareHistograms`). */
  readonly histograms?: EncodedHistograms;
  /** The generators that produced a merged result, with each one's share. */
  readonly workers?: readonly LoadWorkerShare[];
}

/** sweep → worker */
export type ToWorker = { readonly type: "run"; readonly spec: LoadSpec };
/**
 * worker → sweep: the measured window opens (at `atEpochMs`, ms since the Unix epoch, which both
 * processes read alike) and closes, then the result (or why it failed).
 */
export type FromWorker =
  | { readonly type: "measure-start"; readonly atEpochMs: number }
  | { readonly type: "measure-end" }
  | { readonly type: "result"; readonly result: LoadResult }
  | { readonly type: "error"; readonly message: string };

export interface HttpRequestShape {
  readonly method: "GET" | "PUT" | "POST";
  readonly path: string;
  readonly body: Buffer | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RequestFactory {
  /** The request for `key`: a write of the configured value, or a read. */
  make(key: string, read: boolean): HttpRequestShape;
  /** Whether a response status means the request succeeded. */
  ok(status: number): boolean;
}

const JSON_HEADERS = { "content-type": "application/json" };

/**
 * raftlab: PUT/GET /kv/{key} (`stale`: GET /kv/{key}?stale=1). etcd 3.4: its gRPC-gateway
 * JSON API, POST /v3/kv/put and /v3/kv/range with base64 keys and values.
 */
export function requestFactory(protocol: Protocol, valueSize: number, stale = false): RequestFactory {
  const value = Buffer.alloc(valueSize, "x");
  if (protocol === "raftlab") {
    const query = stale ? "?stale=1" : "";
    return {
      make: (key, read) =>
        read
          ? { method: "GET", path: `/kv/${encodeURIComponent(key)}${query}`, body: undefined, headers: {} }
          : { method: "PUT", path: `/kv/${encodeURIComponent(key)}`, body: value, headers: {} },
      // Only a read can answer 404 from /kv/ (the key is absent): an answer, not an error.
      ok: (status) => (status >= 200 && status < 300) || status === 404,
    };
  }
  const value64 = value.toString("base64");
  return {
    make: (key, read) => {
      const key64 = Buffer.from(key).toString("base64");
      return read
        ? { method: "POST", path: "/v3/kv/range", body: Buffer.from(`{"key":"${key64}"}`), headers: JSON_HEADERS }
        : {
            method: "POST",
            path: "/v3/kv/put",
            body: Buffer.from(`{"key":"${key64}","value":"${value64}"}`),
            headers: JSON_HEADERS,
          };
    },
    ok: (status) => status >= 200 && status < 300,
  };
}

/** Decides per request whether it is a read, with probability `readRatio`, reproducibly from `seed`. */
export function readChooser(readRatio: number, seed: number): () => boolean {
  if (readRatio === 0) return () => false;
  const rng = seededRng(seed ^ 0x5bd1e995);
  return () => rng.next() < readRatio;
}
