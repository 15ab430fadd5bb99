// Reading a request body within the size and time limits, and refusing one so that the client hears
// the answer. A server that answers and closes while the client is still sending makes the kernel
// reset the connection, and a client that writes its whole body before reading (Node's http, most
// libraries) then sees EPIPE instead of the answer. So a refused body is read and thrown away, up to
// a bound, and the connection is closed only past that bound.

import type { Exchange } from "./exchange.ts";

/** How a request frames its body: the raw headers. */
export interface BodyFraming {
  readonly contentLength: string;
  readonly transferEncoding: string;
}

export interface BodyLimits {
  readonly maxValueBytes: number;
  /** How long a body may take to arrive before 408. */
  readonly bodyTimeoutMs: number;
}

/** A refused body is read and discarded up to this size; a longer one gets its answer and a close. */
const DISCARD_BYTES = 64 << 20;

/** An answer to give instead of reading the body. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
  readonly extra?: object;
}

export function hasBody(f: BodyFraming): boolean {
  return (f.contentLength !== "" && f.contentLength !== "0") || f.transferEncoding !== "";
}

/** Reads the whole body within the size and time limits; `cb` runs only on success. */
export function readBody(x: Exchange, f: BodyFraming, limits: BodyLimits, cb: (body: Uint8Array) => void): void {
  const declared = f.contentLength === "" ? null : Number(f.contentLength);
  if (declared !== null && (!Number.isSafeInteger(declared) || declared < 0)) {
    // The framing is unknown, so there is nothing to drain.
    return x.error(400, "invalid content-length", {}, true);
  }
  if (declared !== null && declared > limits.maxValueBytes) {
    return refuse(x, f, limits, {
      status: 413,
      message: `the body is ${declared} bytes; the limit is ${limits.maxValueBytes}`,
    });
  }
  // A body of declared length is copied straight into one buffer (from Node's pool when small: no
  // allocation of its own); one of unannounced length is gathered in chunks.
  const whole = declared === null ? null : Buffer.allocUnsafe(declared);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let refusal: Refusal | null = null;
  const deadline = x.after(limits.bodyTimeoutMs, () =>
    refusal ? answer(x, refusal, true) : x.error(408, "the request body did not arrive in time", {}, true),
  );
  x.res.onData((chunk, isLast) => {
    if (!x.open) return;
    const at = size;
    size += chunk.byteLength;
    if (refusal === null && size > limits.maxValueBytes) {
      // Only a body of unannounced length (chunked) gets here: uWS holds others to their length.
      refusal = { status: 413, message: `the body exceeds the limit of ${limits.maxValueBytes} bytes` };
      chunks.length = 0;
    }
    if (refusal !== null) return discarded(x, refusal, size, isLast);
    // uWS reuses the chunk's memory after this callback returns: copy it.
    if (whole !== null) whole.set(new Uint8Array(chunk), at);
    else chunks.push(Buffer.from(new Uint8Array(chunk)));
    if (!isLast) return;
    deadline.cancel();
    cb(whole ?? (chunks.length === 1 ? chunks[0]! : concat(chunks, size)));
  });
}

/**
 * Answers `r` without using the body, so that the client receives it whatever it does first. A body
 * of declared length (up to DISCARD_BYTES) is answered at once: uWS reads and discards the rest of
 * it and keeps the connection. One of unannounced length is read and discarded to its end first.
 */
export function refuse(x: Exchange, f: BodyFraming, limits: BodyLimits, r: Refusal): void {
  if (!hasBody(f)) return answer(x, r, false);
  const declared = f.contentLength === "" ? null : Number(f.contentLength);
  if (declared !== null) return answer(x, r, !(Number.isSafeInteger(declared) && declared <= DISCARD_BYTES));
  let size = 0;
  x.after(limits.bodyTimeoutMs, () => answer(x, r, true));
  x.res.onData((chunk, isLast) => {
    size += chunk.byteLength;
    discarded(x, r, size, isLast);
  });
}

/** After `size` bytes of a refused body: answer at its end, or answer and close past the bound. */
function discarded(x: Exchange, r: Refusal, size: number, isLast: boolean): void {
  if (isLast) answer(x, r, false);
  else if (size > DISCARD_BYTES) answer(x, r, true);
}

function answer(x: Exchange, r: Refusal, close: boolean): void {
  x.error(r.status, r.message, r.extra ?? {}, close);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
