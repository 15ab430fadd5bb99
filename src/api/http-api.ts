// The client HTTP API (docs/DESIGN.md "The client HTTP API") on uWebSockets.js.
// A client's mistake gets a 4xx with a JSON `{"error": …}`; nothing a client sends can crash the node.

import type { CasReply, ErrorBody, NodeStats, NodeStatus } from "../node/api-types.ts";
import type { ProposalOutcome, ReadOutcome } from "../node/driver.ts";
import { type ApplyResult, type KvCommand, MAX_KEY_BYTES } from "../node/kv-command.ts";
import { constantTimeEqual } from "../transport/peer-auth.ts";
import type { HttpRequest, TemplatedApp } from "../transport/uws.ts";
import { Exchange } from "./exchange.ts";
import { type BodyFraming, hasBody, readBody, refuse } from "./request-body.ts";

/** What the API needs from the node behind it. */
export interface ApiBackend {
  propose(cmd: KvCommand, cb: (o: ProposalOutcome<ApplyResult>) => void): void;
  /**
   * False when the node's state machine keeps no data (`--state-machine noop`): reads and cas get 501,
   * and `read`/`readLocal` are never called.
   */
  readonly readable: boolean;
  read(key: string, cb: (o: ReadOutcome<Uint8Array | null>) => void): void;
  /** A local read of the applied state, possibly stale (`?stale=1`). */
  readLocal(key: string): Uint8Array | null;
  /** The client URL of node `id`, or null when unknown. */
  clientUrlOf(id: number): string | null;
  status(): NodeStatus;
  metrics(): Promise<string>;
  /** Stage latencies, CPU and event-loop utilization since the last reset (for the bench). */
  stats(): NodeStats;
  resetStats(): void;
  /** Counts a response by status code. */
  countResponse(code: number): void;
  /** Counts a request refused because `maxInflightRequests` were in flight. */
  countOverloaded(): void;
  /** Extra JSON endpoints under `/admin/…`, present only when the node runs with `--admin`. */
  readonly admin: Record<string, AdminEndpoint> | null;
}

/**
 * One `/admin/…` endpoint. `post` throws for a bad body (400); one that must wait returns a Promise,
 * rejected when it cannot be done (503, or the status of an AdminError).
 */
export interface AdminEndpoint {
  readonly get?: () => object;
  readonly post?: (body: unknown) => object | Promise<object>;
}

/** An admin request refused with `status` (and, for a 307, the `location` to go to). */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Omit<ErrorBody, "error"> = {},
    readonly location: string | null = null,
  ) {
    super(message);
    this.name = "AdminError";
  }
}

export interface ApiLimits {
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  /** How long a request waits for commit + apply before answering 503 `timeout`. */
  readonly requestTimeoutMs: number;
  /** How long a request body may take to arrive before 408. */
  readonly bodyTimeoutMs: number;
  /** Bearer token required on the client API (null: none). */
  readonly clientToken: string | null;
  /**
   * Bearer token required on `/admin/…` (the client token is not accepted there). Null: admin is
   * open, which the CLI allows only on loopback and only when no client token is set.
   */
  readonly adminToken: string | null;
  /** Key-value requests (`/kv`, `/cas`) in flight beyond this are answered 503 `overloaded` at once. */
  readonly maxInflightRequests: number;
}

/**
 * The largest `maxValueBytes` a node accepts. A log entry holding such a value and the longest key
 * goes to a follower as one AppendEntries frame, and every node's inbound frame limit is derived
 * from this ceiling (`MAX_ENTRY_BYTES`, given to the peer transport). Why 16 MiB: a node stalls
 * while it copies, checksums and writes an entry, and on a loaded 2-core machine (3 nodes, default
 * timeouts) a 16 MiB value committed on the first or second try, a 32 MiB one only after dozens of
 * elections, if at all.
 */
export const MAX_VALUE_BYTES = 16 << 20;

/** Bytes a command adds to its key and value in a log entry (kv-command.ts: op, key length, CAS header). */
const COMMAND_OVERHEAD_BYTES = 64;

/** The largest log entry a command within these limits encodes to. */
export function maxEntryBytes(limits: Pick<ApiLimits, "maxKeyBytes" | "maxValueBytes">): number {
  return limits.maxValueBytes + limits.maxKeyBytes + COMMAND_OVERHEAD_BYTES;
}

/** The largest log entry any node proposes, whatever its own limits. */
export const MAX_ENTRY_BYTES = maxEntryBytes({ maxValueBytes: MAX_VALUE_BYTES, maxKeyBytes: MAX_KEY_BYTES });

export const DEFAULT_LIMITS: ApiLimits = {
  maxKeyBytes: 1024,
  maxValueBytes: 1 << 20,
  requestTimeoutMs: 5000,
  bodyTimeoutMs: 10_000,
  clientToken: null,
  adminToken: null,
  maxInflightRequests: 1024,
};

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

interface Parsed extends BodyFraming {
  readonly method: string;
  readonly url: string;
  readonly query: string;
  readonly contentLength: string;
  readonly transferEncoding: string;
  readonly auth: string;
}

const EMPTY = new Uint8Array(0);

/** Load of a mounted API, for metrics. */
export interface ApiLoad {
  /** Key-value requests from arrival until their answer has been written (or the client left). */
  inflight(): number;
}

export function mountApi(app: TemplatedApp, backend: ApiBackend, limits: ApiLimits = DEFAULT_LIMITS): ApiLoad {
  let inflight = 0;
  app.any("/*", (res, req) => {
    // uWS requests live only during this call: read everything now.
    const p = parseRequest(req);
    // The cap holds the requests that carry values and wait on Raft; status, metrics and admin stay
    // reachable on a saturated node.
    const capped = /^\/(kv|cas)\//.test(p.url);
    const overloaded = capped && inflight >= limits.maxInflightRequests;
    if (capped && !overloaded) inflight++;
    const x = new Exchange(res, {
      onAnswer: (code) => backend.countResponse(code),
      onFinish: () => {
        if (capped && !overloaded) inflight--;
      },
    });
    if (overloaded) {
      backend.countOverloaded();
      const message = `the node has ${limits.maxInflightRequests} requests in flight (--max-inflight-requests); nothing was done, retry later`;
      return refuse(x, p, limits, { status: 503, message, extra: { code: "overloaded" } });
    }
    const handle = (body: Uint8Array): void => {
      try {
        route(x, p, body, backend, limits);
      } catch (err) {
        x.error(500, `internal error: ${(err as Error).message}`);
      }
    };
    // Every body is read (or refused) before routing, whatever the method.
    if (hasBody(p)) readBody(x, p, limits, handle);
    else handle(EMPTY);
  });
  return { inflight: () => inflight };
}

function parseRequest(req: HttpRequest): Parsed {
  return {
    method: req.getCaseSensitiveMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? "",
    contentLength: req.getHeader("content-length"),
    transferEncoding: req.getHeader("transfer-encoding"),
    auth: req.getHeader("authorization"),
  };
}

function route(x: Exchange, p: Parsed, body: Uint8Array, b: ApiBackend, limits: ApiLimits): void {
  const { method, url } = p;
  if (url.startsWith("/admin/")) return adminRoute(x, p, body, b, limits);
  if (!bearerMatches(p.auth, limits.clientToken)) {
    return x.error(401, "missing or wrong bearer token");
  }
  if (url === "/status") {
    if (method !== "GET") return methodNotAllowed(x, "GET");
    return x.json(200, b.status());
  }
  if (url === "/stats") {
    if (method !== "GET") return methodNotAllowed(x, "GET");
    return x.json(200, b.stats());
  }
  if (url === "/stats/reset") {
    if (method !== "POST") return methodNotAllowed(x, "POST");
    b.resetStats();
    return x.json(200, { ok: true });
  }
  if (url === "/metrics") {
    if (method !== "GET") return methodNotAllowed(x, "GET");
    b.metrics().then(
      (text) => x.send(200, text, { "content-type": "text/plain; version=0.0.4" }),
      (err: Error) => x.error(500, `metrics failed: ${err.message}`),
    );
    return;
  }
  const kv = /^\/(kv|cas)\/(.*)$/.exec(url);
  if (!kv)
    return x.error(
      404,
      `unknown route ${method} ${url}; the API serves /kv/{key}, /cas/{key}, /status, /metrics, /stats`,
    );
  const key = decodeKey(kv[2]!);
  if (key === null) return x.error(400, "the key is not valid percent-encoded UTF-8");
  if (key.length === 0) return x.error(400, "the key is empty");
  const keyBytes = Buffer.byteLength(key, "utf8");
  if (keyBytes > limits.maxKeyBytes)
    return x.error(400, `the key is ${keyBytes} bytes; the limit is ${limits.maxKeyBytes}`);
  const target = `${url}${p.query ? `?${p.query}` : ""}`;

  if (!b.readable && (kv[1] === "cas" || method === "GET")) {
    return x.error(501, "this node runs --state-machine noop, which keeps no data: only PUT and DELETE are served", {
      code: "unsupported",
    });
  }
  if (kv[1] === "cas") {
    if (method !== "POST") return methodNotAllowed(x, "POST");
    const cmd = parseCas(key, body);
    if (typeof cmd === "string") return x.error(400, cmd);
    return propose(x, b, limits, cmd, target, (o) => {
      const reply: CasReply = o.ok
        ? { ok: true }
        : { ok: false, current: o.current === null ? null : new TextDecoder().decode(o.current) };
      x.json(o.ok ? 200 : 409, reply);
    });
  }
  switch (method) {
    case "GET": {
      if (new URLSearchParams(p.query).get("stale") === "1") {
        const v = b.readLocal(key);
        return v === null ? x.error(404, "not found") : x.send(200, v, { "content-type": "application/octet-stream" });
      }
      x.after(limits.requestTimeoutMs, () => x.error(503, "timed out waiting for a read index", { code: "timeout" }));
      return b.read(key, (o) => {
        if (!o.ok) return redirectOrFail(x, b, o.code === "not_leader" ? "not_leader" : "unknown", o.leader, target);
        if (o.value === null) return x.error(404, "not found");
        x.send(200, o.value, { "content-type": "application/octet-stream" });
      });
    }
    case "PUT":
      return propose(x, b, limits, { op: "put", key, value: body }, target, () => x.send(204));
    case "DELETE":
      return propose(x, b, limits, { op: "del", key }, target, () => x.send(204));
    default:
      return methodNotAllowed(x, "GET, PUT, DELETE");
  }
}

function propose(
  x: Exchange,
  b: ApiBackend,
  limits: ApiLimits,
  cmd: KvCommand,
  target: string,
  onApplied: (r: { ok: true } | { ok: false; current: Uint8Array | null }) => void,
): void {
  x.after(limits.requestTimeoutMs, () =>
    x.error(503, "timed out waiting for commit; the write may or may not take effect", { code: "timeout" }),
  );
  b.propose(cmd, (o) => {
    if (o.ok) return onApplied(o.result);
    if (o.code === "too_large") return x.error(413, "the entry is larger than the node accepts");
    redirectOrFail(x, b, o.code, o.leader, target);
  });
}

function redirectOrFail(x: Exchange, b: ApiBackend, code: string, leader: number, target: string): void {
  if (code === "not_leader") {
    const url = leader ? b.clientUrlOf(leader) : null;
    if (url) return x.json(307, { error: "not the leader", leader }, { location: `${url}${target}` });
    return x.error(503, "no leader is known; nothing was proposed, retry later", { code: "no_leader" });
  }
  if (code === "lost")
    return x.error(503, "leadership changed before the request committed; it did not take effect", { code: "lost" });
  if (code === "transferring")
    return x.error(503, "the leader is handing leadership over; nothing was proposed, retry shortly", {
      code: "transferring",
    });
  x.error(503, "the outcome is unknown (the node lost track of the request)", { code: "unknown" });
}

/** Whether an Authorization header carries `token` (always, when no token is required). */
function bearerMatches(auth: string, token: string | null): boolean {
  return token === null || constantTimeEqual(auth, `Bearer ${token}`);
}

function methodNotAllowed(x: Exchange, allow: string): void {
  x.json(405, { error: `method not allowed; use ${allow}` }, { allow });
}

function decodeKey(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Parses a CAS body `{"expect": string|null, "value": string}` into a command, or an error message. */
function parseCas(key: string, body: Uint8Array): KvCommand | string {
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8.decode(body));
  } catch {
    return 'the body is not valid JSON; expected {"expect": string|null, "value": string}';
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return 'expected a JSON object {"expect": …, "value": …}';
  const { expect, value } = doc as Record<string, unknown>;
  if (!("expect" in doc)) return 'missing "expect" (a string, or null for "absent")';
  if (expect !== null && typeof expect !== "string") return '"expect" must be a string or null';
  if (typeof value !== "string") return '"value" must be a string';
  return { op: "cas", key, expect: expect === null ? null : utf8.encode(expect), value: utf8.encode(value) };
}

/** A handler's failure: an AdminError as it says (its status, extra fields, Location), else `status`. */
function adminFailure(x: Exchange, err: Error, status: number): void {
  if (!(err instanceof AdminError)) return x.error(status, err.message);
  x.json(err.status, { error: err.message, ...err.extra }, err.location ? { location: err.location } : {});
}

function adminRoute(x: Exchange, p: Parsed, body: Uint8Array, b: ApiBackend, limits: ApiLimits): void {
  if (b.admin === null) return x.error(404, "admin endpoints are disabled; start the node with --admin");
  if (!bearerMatches(p.auth, limits.adminToken)) {
    return x.error(401, "missing or wrong admin bearer token");
  }
  const endpoint = b.admin[p.url.slice("/admin/".length)];
  if (!endpoint)
    return x.error(
      404,
      `unknown admin endpoint ${p.url}; known: ${Object.keys(b.admin)
        .map((k) => `/admin/${k}`)
        .join(", ")}`,
    );
  const { get, post: handler } = endpoint;
  if (p.method === "GET" && get) return x.json(200, get());
  if (p.method !== "POST" || !handler) {
    return methodNotAllowed(x, [get && "GET", handler && "POST"].filter(Boolean).join(", "));
  }
  let doc: unknown;
  try {
    doc = body.length === 0 ? {} : JSON.parse(fromUtf8.decode(body));
  } catch {
    return x.error(400, "the body is not valid JSON");
  }
  let answer: object | Promise<object>;
  try {
    answer = handler(doc);
  } catch (err) {
    return adminFailure(x, err as Error, 400);
  }
  if (!(answer instanceof Promise)) return x.json(200, answer);
  x.after(limits.requestTimeoutMs, () =>
    x.error(503, "timed out; the change may still take effect", { code: "timeout" }),
  );
  answer.then(
    (a) => x.json(200, a),
    (err: Error) => adminFailure(x, err, 503),
  );
}
