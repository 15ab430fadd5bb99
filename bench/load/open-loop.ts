// Open-loop load at a fixed offered rate, with latency measured from each request's INTENDED start.
//
// Why not autocannon's rate limiting: it paces each connection and times a request from the moment it
// is written to the socket. When the server stalls, the requests that should have been sent during the
// stall are sent late and timed from then, so the queueing delay a real client would see is never
// measured ("coordinated omission", Gil Tene). Here request i is due at t0 + i/rate whether or not
// earlier ones have been answered, and its latency runs from that due time.
//
// The load follows the leader (leader-follower.ts): a leader that dies or steps down leaves the
// offered load unchanged, so its cost shows as failed requests and a gap in the successes. Stale
// reads go to every node in turn instead, and their failures move nothing.

import http from "node:http";
import { performance } from "node:perf_hooks";
import { keyGenerator } from "./keys.ts";
import { LeaderFollower } from "./leader-follower.ts";
import { type LoadSpec, readChooser, requestFactory } from "./spec.ts";
import { Tally } from "./tally.ts";
import { runWindow, type WindowHooks } from "./window.ts";

const REQUEST_TIMEOUT_MS = 10_000;
/** Keep-alive sockets to the target; requests beyond these wait in the agent (and that wait is timed). */
const MAX_SOCKETS = 256;
/** How often the pacer wakes; requests due meanwhile go out together, each still timed from its due time. */
const PACER_MS = 1;
/** Failures that say the target is not (or no longer) a working leader: a redirect, no leader, a dead socket. */
const MOVE_ON = new Set(["status 307", "status 503", "socket"]);

export async function runOpenLoop(
  spec: LoadSpec,
  rate: number,
  maxOutstanding: number,
  hooks: WindowHooks,
): Promise<Tally> {
  const tally = new Tally(spec.intervalMs, spec.logSuccesses, spec.shareHistograms);
  const nextKey = keyGenerator({ keys: spec.keys, dist: spec.keyDist, seed: spec.seed, prefix: `o${spec.seed}-` });
  const requests = requestFactory(spec.protocol, spec.valueSize, spec.staleReads);
  const readNodes = (spec.nodes ?? [spec.target]).map((n) => new URL(n));
  let nextReader = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.min(MAX_SOCKETS, maxOutstanding) });
  const follower = new LeaderFollower(spec.nodes ?? [spec.target], spec.target);
  let outstanding = 0;
  let sent = 0;
  let drained: (() => void) | null = null;

  const send = (dueMs: number, read: boolean): void => {
    const r = requests.make(nextKey(), read);
    const spread = read && spec.staleReads === true;
    const target = spread ? readNodes[nextReader++ % readNodes.length]! : follower.current;
    outstanding++;
    let settled = false;
    const settle = (outcome: { ok: true } | { ok: false; kind: string; location?: string }): void => {
      if (settled) return;
      settled = true;
      outstanding--;
      if (outcome.ok) tally.success(performance.now() - dueMs, read);
      else {
        tally.failure(outcome.kind);
        if (!spread && MOVE_ON.has(outcome.kind)) follower.moveFrom(target, outcome.location);
      }
      if (outstanding === 0) drained?.();
    };
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: r.method,
        path: r.path,
        headers: r.body ? { ...r.headers, "content-length": String(r.body.length) } : r.headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        res.on("end", () =>
          settle(
            requests.ok(status)
              ? { ok: true }
              : { ok: false, kind: `status ${status}`, location: res.headers.location },
          ),
        );
        res.on("error", () => settle({ ok: false, kind: "socket" }));
      },
    );
    req.on("timeout", () => {
      req.destroy();
      settle({ ok: false, kind: "timeout" });
    });
    req.on("error", () => settle({ ok: false, kind: "socket" }));
    req.end(r.body);
  };

  const isRead = readChooser(spec.readRatio, spec.seed);

  const t0 = performance.now();
  const intervalMs = 1000 / rate;
  const pacer = setInterval(() => {
    const now = performance.now();
    while (t0 + sent * intervalMs <= now) {
      const due = t0 + sent * intervalMs;
      sent++;
      // Past the bound the generator would only measure its own backlog: the request is shed and counted.
      if (outstanding >= maxOutstanding) tally.failure("late");
      else send(due, isRead());
    }
  }, PACER_MS);

  try {
    await runWindow(spec, tally, hooks);
  } finally {
    clearInterval(pacer);
  }
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, REQUEST_TIMEOUT_MS).unref();
    });
  }
  agent.destroy();
  return tally;
}
