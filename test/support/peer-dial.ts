// A raw dial of a node's peer port, as an outsider would: one WebSocket upgrade with the given
// handshake headers (and query), no retry. Either the open socket or the refusal's status and body.

import WebSocket from "ws";
import { PEER_PATH } from "../../src/transport/peer-transport.ts";

export type Dialed = { readonly ws: WebSocket } | { readonly status: number; readonly body: string };

/** `baseUrl` is the peer server's `ws://host:port`. The caller terminates an opened socket. */
export function dialPeer(baseUrl: string, headers: Record<string, string>, query = ""): Promise<Dialed> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl}${PEER_PATH}${query}`, { headers, perMessageDeflate: false });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
        ws.terminate();
      });
    });
    ws.once("error", reject);
  });
}

/** Sends one binary frame and resolves once it is written. */
export function sendFrame(ws: WebSocket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => ws.send(bytes, { binary: true }, (err) => (err ? reject(err) : resolve())));
}
