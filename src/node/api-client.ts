// A typed client for one node's HTTP API (docs/DESIGN.md "The client HTTP API"): the key-value
// operations, status, stats, metrics and admin, with bearer tokens and a deadline per call. The bodies
// are the server's own types (api-types.ts). `send` is the untyped step underneath, for callers that judge
// raw answers themselves (the chaos clients record every status; tests look at the 307s).

import type {
  CasReply,
  CasRequest,
  ErrorBody,
  ErrorCode,
  FlagsChangeBody,
  FlagsState,
  FsyncDelayBody,
  FsyncDelayState,
  LinkChangeBody,
  LinkState,
  MembersChangeBody,
  MembersChanged,
  MembersState,
  NodeStats,
  NodeStatus,
  TransferLeaderBody,
  TransferLeaderState,
} from "./api-types.ts";

export interface NodeClientOptions {
  /** Bearer token for the client API (`--client-token`). */
  readonly clientToken?: string | null;
  /** Bearer token for `/admin/…` (`--admin-token`). */
  readonly adminToken?: string | null;
  /** Deadline of one call, redirects included (default 5000 ms). */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  /** Overrides the client's deadline for this call. */
  readonly timeoutMs?: number;
  /** Aborts the call early (e.g. a deadline shared by several calls). */
  readonly signal?: AbortSignal;
}

export interface SendOptions extends CallOptions {
  readonly body?: string | Uint8Array;
  /** Follow 307s to the leader (up to MAX_HOPS) as the typed calls do; default: answer the 307. */
  readonly follow?: boolean;
}

/** One HTTP answer, its body read. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly location: string | null;
}

/** Redirects followed per call; a leader change mid-call can take two. */
export const MAX_HOPS = 3;

const DEFAULT_TIMEOUT_MS = 5000;

/** No answer came: the deadline passed, the connection was refused (nothing was sent), or it broke. */
export class NoResponseError extends Error {
  constructor(
    readonly reason: "timeout" | "refused" | "error",
    readonly detail: string,
  ) {
    super(`no response (${reason}): ${detail}`);
    this.name = "NoResponseError";
  }
}

/** The node answered with a status the call does not expect; `code` is the body's error code, if any. */
export class ApiError extends Error {
  readonly code: ErrorCode | null;

  constructor(
    readonly request: string,
    readonly reply: Reply,
  ) {
    const body = parseJson<Partial<ErrorBody>>(reply.body);
    super(`${request} answered ${reply.status}${body?.error ? `: ${body.error}` : ""}`);
    this.name = "ApiError";
    this.code = body?.code ?? null;
  }

  get status(): number {
    return this.reply.status;
  }
}

export class NodeClient {
  private readonly timeoutMs: number;

  constructor(
    /** `http://host:port` of the node's client API. */
    readonly baseUrl: string,
    private readonly o: NodeClientOptions = {},
  ) {
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async status(opts?: CallOptions): Promise<NodeStatus> {
    return JSON.parse((await this.expect("GET", "/status", [200], opts)).body) as NodeStatus;
  }

  /** A linearizable read on the leader (redirects followed); `stale` reads this node's applied state. */
  async get(key: string, opts: CallOptions & { readonly stale?: boolean } = {}): Promise<string | null> {
    const r = await this.expect("GET", `${kvPath(key)}${opts.stale ? "?stale=1" : ""}`, [200, 404], {
      ...opts,
      follow: true,
    });
    return r.status === 200 ? r.body : null;
  }

  /** Resolves once the write is committed and applied. */
  async put(key: string, value: string | Uint8Array, opts?: CallOptions): Promise<void> {
    await this.expect("PUT", kvPath(key), [204], { ...opts, body: value, follow: true });
  }

  async delete(key: string, opts?: CallOptions): Promise<void> {
    await this.expect("DELETE", kvPath(key), [204], { ...opts, follow: true });
  }

  /** Sets `key` to `value` if it holds `expect` (null: absent); a mismatch answers the value it saw. */
  async cas(key: string, expect: string | null, value: string, opts?: CallOptions): Promise<CasReply> {
    const body: CasRequest = { expect, value };
    const r = await this.expect("POST", `/cas/${encodeURIComponent(key)}`, [200, 409], {
      ...opts,
      body: JSON.stringify(body),
      follow: true,
    });
    return JSON.parse(r.body) as CasReply;
  }

  async stats(opts?: CallOptions): Promise<NodeStats> {
    return JSON.parse((await this.expect("GET", "/stats", [200], opts)).body) as NodeStats;
  }

  async resetStats(opts?: CallOptions): Promise<void> {
    await this.expect("POST", "/stats/reset", [200], opts);
  }

  /** The Prometheus exposition of `GET /metrics`. */
  async metrics(opts?: CallOptions): Promise<string> {
    return (await this.expect("GET", "/metrics", [200], opts)).body;
  }

  /** `POST /admin/links` (the node runs with `--admin`): changes link shaping, answers what is in force. */
  async setLinks(change: LinkChangeBody, opts?: CallOptions): Promise<LinkState> {
    return JSON.parse(
      (await this.expect("POST", "/admin/links", [200], { ...opts, body: JSON.stringify(change) })).body,
    ) as LinkState;
  }

  /** Switches the node's flag combination (at its next safe point); answers the combination in force. */
  async setFlags(flags: string, opts?: CallOptions): Promise<FlagsState> {
    const body: FlagsChangeBody = { flags };
    return JSON.parse(
      (await this.expect("POST", "/admin/flags", [200], { ...opts, body: JSON.stringify(body) })).body,
    ) as FlagsState;
  }

  /**
   * `POST /admin/transfer-leader`: hands leadership to `to` (absent: the most up-to-date follower);
   * answers once it leads. A refusal (421 not the leader, 409 aborted or impossible) is an ApiError.
   */
  async transferLeader(to?: number, opts?: CallOptions): Promise<TransferLeaderState> {
    const body: TransferLeaderBody = to === undefined ? {} : { to };
    return JSON.parse(
      (await this.expect("POST", "/admin/transfer-leader", [200], { ...opts, body: JSON.stringify(body) })).body,
    ) as TransferLeaderState;
  }

  /** `POST /admin/fsync-delay`: the node's added fsync delay from now on; answers the delay in force. */
  async setFsyncDelay(us: number, opts?: CallOptions): Promise<FsyncDelayState> {
    const body: FsyncDelayBody = { us };
    return JSON.parse(
      (await this.expect("POST", "/admin/fsync-delay", [200], { ...opts, body: JSON.stringify(body) })).body,
    ) as FsyncDelayState;
  }

  /** `GET /admin/members`: the configuration in force on this node. */
  async members(opts?: CallOptions): Promise<MembersState> {
    return JSON.parse((await this.expect("GET", "/admin/members", [200], opts)).body) as MembersState;
  }

  /**
   * `POST /admin/members`, on the leader (a follower's redirect is followed): answers once the change
   * is committed. Refused with 409 (not possible in this configuration) or 503 `busy` (not yet).
   */
  async changeMembers(change: MembersChangeBody, opts?: CallOptions): Promise<MembersChanged> {
    const body = JSON.stringify(change);
    return JSON.parse((await this.expect("POST", "/admin/members", [200], { ...opts, body, follow: true })).body);
  }

  /**
   * One request to `path` (with its query) on this node; any status is an answer. Throws
   * NoResponseError when none came within the deadline.
   */
  async send(method: string, path: string, opts: SendOptions = {}): Promise<Reply> {
    const deadline = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const token = path.startsWith("/admin/") ? this.o.adminToken : this.o.clientToken;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    let url = `${this.baseUrl}${path}`;
    for (let hop = 0; ; hop++) {
      let reply: Reply;
      try {
        const res = await fetch(url, { method, body: opts.body, headers, redirect: "manual", signal });
        reply = { status: res.status, body: await res.text(), location: res.headers.get("location") };
      } catch (err) {
        throw noResponse(err);
      }
      if (!opts.follow || reply.status !== 307 || reply.location === null || hop >= MAX_HOPS) return reply;
      url = reply.location;
    }
  }

  private async expect(method: string, path: string, ok: readonly number[], opts?: SendOptions): Promise<Reply> {
    const r = await this.send(method, path, opts);
    if (!ok.includes(r.status)) throw new ApiError(`${method} ${this.baseUrl}${path}`, r);
    return r;
  }
}

function kvPath(key: string): string {
  return `/kv/${encodeURIComponent(key)}`;
}

function noResponse(err: unknown): NoResponseError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError")
    return new NoResponseError("timeout", "client deadline passed");
  const code = e.cause?.code ?? "";
  const detail = code || e.cause?.message || e.message || String(err);
  return new NoResponseError(code === "ECONNREFUSED" ? "refused" : "error", detail);
}

function parseJson<T>(text: string): T | null {
  try {
    const doc: unknown = JSON.parse(text);
    return typeof doc === "object" && doc !== null ? (doc as T) : null;
  } catch {
    return null;
  }
}
