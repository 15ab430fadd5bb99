// Raw HTTP/1.1 over a TCP socket, for requests fetch cannot express (bad framing, lying lengths,
// garbage methods, aborted uploads), and a minimal reader of the first response.

import { connect } from "node:net";

export interface RawResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /**
   * The connection closed before the whole body arrived. A server that answers and closes while the
   * client is still sending makes the kernel reset the connection, which can discard the rest of
   * an answer it did send.
   */
  readonly truncated: boolean;
}

/** What came back: a response, the connection closed with none, or nothing within the wait. */
export type RawOutcome = RawResponse | "closed" | "silent";

/**
 * Sends `bytes` on a fresh connection. With `abort`, the socket is destroyed right after the write
 * (an aborted upload) and the outcome is "closed". Otherwise the first non-1xx response is read.
 */
export function sendRaw(
  port: number,
  bytes: Uint8Array,
  opts: { abort?: boolean; head?: boolean; waitMs?: number; host?: string } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (o: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const sock = connect(port, opts.host ?? "127.0.0.1", () => {
      sock.write(bytes);
      if (opts.abort) finish("closed");
    });
    const timer = setTimeout(() => finish("silent"), opts.waitMs ?? 3000);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parseResponse(buf, opts.head ?? false);
      if (r === "skip") buf = buf.subarray(buf.indexOf("\r\n\r\n") + 4);
      else if (r !== null) finish(r);
    });
    sock.on("error", () => finish("closed"));
    sock.on("close", () => {
      const r = parseResponse(buf, opts.head ?? false, true);
      finish(r === null || r === "skip" ? "closed" : r);
    });
  });
}

/** The first complete response in `buf`, "skip" for a leading 1xx, or null while incomplete. */
function parseResponse(buf: Buffer, noBody: boolean, closed = false): RawResponse | "skip" | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
  if (!m) return { status: 0, headers: new Map(), body: lines[0]!, truncated: false };
  const status = Number(m[1]);
  if (status >= 100 && status < 200) return "skip";
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const length = Number(headers.get("content-length") ?? 0);
  const body = buf.subarray(end + 4, end + 4 + length).toString("utf8");
  if (noBody) return { status, headers, body: "", truncated: false };
  if (buf.length >= end + 4 + length) return { status, headers, body, truncated: false };
  return closed ? { status, headers, body, truncated: true } : null;
}
