// One client request on uWebSockets.js, from arrival until its answer has left: it answers at most
// once, never after the client went away, and writes a large body only as fast as the client reads
// it (uWS would otherwise copy the whole unsent rest into its own buffer, per request).

import type { ErrorBody } from "../node/api-types.ts";
import type { HttpResponse } from "../transport/uws.ts";
import { type Deadline, DeadlineQueue } from "./deadline-queue.ts";

const STATUS: Record<number, string> = {
  200: "200 OK",
  204: "204 No Content",
  307: "307 Temporary Redirect",
  400: "400 Bad Request",
  401: "401 Unauthorized",
  404: "404 Not Found",
  405: "405 Method Not Allowed",
  408: "408 Request Timeout",
  409: "409 Conflict",
  411: "411 Length Required",
  413: "413 Payload Too Large",
  500: "500 Internal Server Error",
  501: "501 Not Implemented",
  503: "503 Service Unavailable",
};

/**
 * Bodies up to this size go to uWS whole (it keeps what the socket does not take at once); larger
 * ones are written as the socket drains.
 */
const STREAM_ABOVE_BYTES = 64 * 1024;

const utf8 = new TextEncoder();

/** One queue per timeout length in use (a node has two: the body and the request timeout). */
const deadlineQueues = new Map<number, DeadlineQueue>();

function deadlineQueue(ms: number): DeadlineQueue {
  let q = deadlineQueues.get(ms);
  if (q === undefined) {
    q = new DeadlineQueue(ms);
    deadlineQueues.set(ms, q);
  }
  return q;
}

export interface ExchangeHooks {
  /** The answer's status, when it is given. */
  onAnswer(status: number): void;
  /** Runs once: the answer is fully written, or the client went away. */
  onFinish(): void;
}

export class Exchange {
  private answered = false;
  private aborted = false;
  private finished = false;
  private deadlines: Deadline[] | null = null;

  constructor(
    readonly res: HttpResponse,
    private readonly hooks: ExchangeHooks,
  ) {
    res.onAborted(() => {
      this.aborted = true;
      this.cancelDeadlines();
      this.finish();
    });
  }

  /** Not answered yet, and the client is still there. */
  get open(): boolean {
    return !this.answered && !this.aborted;
  }

  /** Runs `fn` in `ms` unless the exchange has been answered or aborted by then. */
  after(ms: number, fn: () => void): Deadline {
    const d = deadlineQueue(ms).add(fn);
    if (this.deadlines === null) this.deadlines = [d];
    else this.deadlines.push(d);
    return d;
  }

  send(status: number, body: string | Uint8Array = "", headers: Record<string, string> = {}, close = false): void {
    if (!this.open) return;
    this.answered = true;
    this.cancelDeadlines();
    this.hooks.onAnswer(status);
    let written = true;
    this.res.cork(() => {
      this.res.writeStatus(STATUS[status] ?? `${status}`);
      for (const [k, v] of Object.entries(headers)) this.res.writeHeader(k, v);
      if (close || body.length <= STREAM_ABOVE_BYTES) this.res.end(body, close);
      else written = this.stream(typeof body === "string" ? utf8.encode(body) : body);
    });
    if (written) this.finish();
  }

  json(status: number, body: object, headers: Record<string, string> = {}, close = false): void {
    this.send(status, JSON.stringify(body), { "content-type": "application/json", ...headers }, close);
  }

  error(status: number, message: string, extra: Omit<ErrorBody, "error"> = {}, close = false): void {
    this.json(status, { error: message, ...extra }, {}, close);
  }

  /** Writes what the socket takes now and the rest whenever it drains; true once all is written. */
  private stream(body: Uint8Array): boolean {
    const start = this.res.getWriteOffset();
    const [, done] = this.res.tryEnd(body, body.length);
    if (done) return true;
    this.res.onWritable((offset) => {
      const [ok, finished] = this.res.tryEnd(body.subarray(offset - start), body.length);
      if (finished) this.finish();
      return ok;
    });
    return false;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.hooks.onFinish();
  }

  private cancelDeadlines(): void {
    if (this.deadlines === null) return;
    for (const d of this.deadlines) d.cancel();
    this.deadlines = null;
  }
}
