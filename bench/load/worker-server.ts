// A load worker on a host of its own (`raftlab loadgen --listen`): an HTTP endpoint that runs one load
// at a time in a forked generator (the same one a local bench uses, bench/load/loadgen.ts) and streams
// its messages back as JSON lines — the window opening, closing, then the result with its histograms.
// With a secret, only a caller presenting it as a bearer token may start a load; a refusal says no
// more than "unauthorized".

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { constantTimeEqual } from "../../src/transport/peer-auth.ts";
import { Loadgen } from "./loadgen.ts";
import type { FromWorker, LoadSpec } from "./spec.ts";

export interface LoadWorkerServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The largest spec body accepted: a spec is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

export async function startLoadWorkerServer(o: {
  readonly host: string;
  readonly port: number;
  readonly secret: string | null;
  readonly log: (line: string) => void;
}): Promise<LoadWorkerServer> {
  const loadgen = new Loadgen();
  let busy = false;
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { error: err.message });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url === "/status" && req.method === "GET") return json(res, 200, { busy });
    if (req.url !== "/run")
      return json(res, 404, { error: "unknown route; a load worker serves POST /run and GET /status" });
    if (req.method !== "POST") return json(res, 405, { error: "method not allowed; use POST" });
    if (o.secret !== null && !constantTimeEqual(req.headers.authorization ?? "", `Bearer ${o.secret}`)) {
      return json(res, 401, { error: "unauthorized" });
    }
    const body = await readBody(req);
    if (body === null) return json(res, 413, { error: `the spec is larger than ${MAX_BODY_BYTES} bytes` });
    let spec: LoadSpec;
    try {
      spec = parseLoadSpec(body);
    } catch (err) {
      return json(res, 400, { error: (err as Error).message });
    }
    if (busy) return json(res, 409, { error: "this worker is already running a load" });
    busy = true;
    const mode = spec.mode.kind === "closed" ? `${spec.mode.connections} connections` : `${spec.mode.rate} req/s`;
    const reads = spec.staleReads ? `, stale reads over ${spec.nodes?.length ?? 1} nodes` : "";
    o.log(`load: ${mode} against ${spec.target}${reads} for ${spec.warmupS}+${spec.durationS} s`);
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    const send = (msg: FromWorker): void => {
      res.write(`${JSON.stringify(msg)}\n`);
    };
    // The caller gone (Ctrl-C on the bench, a dropped link): stop the load rather than finish it.
    const abandon = (): void => loadgen.kill();
    res.on("close", abandon);
    try {
      const result = await loadgen.run(spec, {
        onMeasureStart: (atEpochMs) => send({ type: "measure-start", atEpochMs }),
        onMeasureEnd: () => send({ type: "measure-end" }),
      });
      send({ type: "result", result });
      o.log(`done: ${result.ok} ok, ${result.errors} errors`);
    } catch (err) {
      send({ type: "error", message: (err as Error).message });
      o.log(`failed: ${(err as Error).message}`);
    } finally {
      res.off("close", abandon);
      busy = false;
      res.end();
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}`,
    async close() {
      await loadgen.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The body as text, or null once it passes MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A LoadSpec from JSON, its fields checked enough that a bad one fails here, with a message, not in the generator. */
export function parseLoadSpec(text: string): LoadSpec {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error("the body is not JSON");
  }
  if (typeof v !== "object" || v === null) throw new Error("the body is not a JSON object");
  const need = (field: string, ok: (x: unknown) => boolean, what: string): void => {
    if (!ok(v[field])) throw new Error(`${field}: expected ${what}`);
  };
  const num = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x >= 0;
  need("target", (x) => typeof x === "string" && URL.canParse(x), "a URL");
  need("protocol", (x) => x === "raftlab" || x === "etcd", `"raftlab" or "etcd"`);
  need(
    "mode",
    (x) => {
      const m = x as Record<string, unknown> | null;
      if (typeof m !== "object" || m === null) return false;
      if (m.kind === "closed") return Number.isInteger(m.connections) && (m.connections as number) >= 1;
      return (
        m.kind === "open" && num(m.rate) && Number.isInteger(m.maxOutstanding) && (m.maxOutstanding as number) >= 1
      );
    },
    `{"kind":"closed","connections":N} or {"kind":"open","rate":R,"maxOutstanding":N}`,
  );
  for (const f of ["warmupS", "durationS", "valueSize", "keys", "readRatio", "seed"]) need(f, num, "a number >= 0");
  if ((v.readRatio as number) > 1) throw new Error("readRatio: expected a number in [0, 1]");
  need("keyDist", (x) => x === "uniform" || x === "zipf", `"uniform" or "zipf"`);
  need(
    "nodes",
    (x) =>
      x === undefined || (Array.isArray(x) && x.length > 0 && x.every((u) => typeof u === "string" && URL.canParse(u))),
    "a non-empty list of URLs",
  );
  need("staleReads", (x) => x === undefined || typeof x === "boolean", "true or false");
  return v as unknown as LoadSpec;
}
