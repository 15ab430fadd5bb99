// The bytes of one HTTP/1.1 request on a keep-alive connection, as the closed-loop generator writes them.

import type { HttpRequestShape } from "./spec.ts";

/** Serializes `r` for the server at `host` (`name:port`, the Host header). */
export function serializeRequest(host: string, r: HttpRequestShape): Buffer {
  let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n`;
  for (const [name, value] of Object.entries(r.headers)) head += `${name}: ${value}\r\n`;
  if (r.body !== undefined) head += `Content-Length: ${r.body.length}\r\n`;
  head += "\r\n";
  const headBytes = Buffer.byteLength(head, "latin1");
  const out = Buffer.allocUnsafe(headBytes + (r.body?.length ?? 0));
  out.write(head, 0, "latin1");
  r.body?.copy(out, headBytes);
  return out;
}
