// Closed-loop load with autocannon: `connections` connections, each sending its next request as soon
// as the previous one is answered. autocannon drives the sockets; latencies go into our own
// microsecond HDR histogram (see latency.ts) and only the measured window counts (see tally.ts).
//
// A connection talks to one node. Stale reads go to every node while writes go to the leader, so
// such a load splits the connections in the read ratio (reader-split.ts): writers on the leader,
// readers spread over all nodes. Otherwise every connection goes to the leader and draws read or
// write per request.

import autocannon from "autocannon";
import { serializeRequest } from "./http-request.ts";
import { keyGenerator } from "./keys.ts";
import { staleReaders } from "./reader-split.ts";
import { type LoadSpec, readChooser, requestFactory } from "./spec.ts";
import { Tally } from "./tally.ts";
import { runWindow, type WindowHooks } from "./window.ts";

/** A request unanswered for this long counts as a `timeout` error. */
const REQUEST_TIMEOUT_S = 10;

/** Connections to `urls` (connection i to url i mod their number), each request a read when `isRead()`. */
interface ConnectionGroup {
  readonly urls: readonly string[];
  readonly connections: number;
  readonly isRead: () => boolean;
}

/** The connection groups of a closed loop (exported for the tests). */
export function connectionGroups(spec: LoadSpec, connections: number): ConnectionGroup[] {
  if (!spec.staleReads) return [{ urls: [spec.target], connections, isRead: readChooser(spec.readRatio, spec.seed) }];
  const readers = staleReaders(connections, spec.readRatio);
  const groups: ConnectionGroup[] = [
    { urls: [spec.target], connections: connections - readers, isRead: () => false },
    { urls: spec.nodes ?? [spec.target], connections: readers, isRead: () => true },
  ];
  return groups.filter((g) => g.connections > 0);
}

/** The part of autocannon's per-connection client used here (see `setupClient` below). */
type Client = { getRequestBuffer(): Buffer; readonly opts: { readonly host: string } };

export async function runClosedLoop(spec: LoadSpec, connections: number, hooks: WindowHooks): Promise<Tally> {
  const tally = new Tally(spec.intervalMs, spec.logSuccesses, spec.shareHistograms);
  const nextKey = keyGenerator({ keys: spec.keys, dist: spec.keyDist, seed: spec.seed, prefix: `c${spec.seed}-` });
  const requests = requestFactory(spec.protocol, spec.valueSize, spec.staleReads);
  const instances = connectionGroups(spec, connections).map((g) => {
    let finished!: (err: Error | null) => void;
    const done = new Promise<void>((resolve, reject) => {
      finished = (err) => (err ? reject(err) : resolve());
    });
    // Whether each connection's request in flight is a read (one at a time: no pipelining).
    const reading = new WeakMap<object, boolean>();
    // A fresh key per request without autocannon's `setupRequest`: with one, autocannon rebuilds every
    // request through its general builder, which copies its whole options object each time (measured
    // against a server that answers at once: 36-52 µs of the generator's CPU per request, against
    // 17-23 µs for prebuilt requests), and the generator shares the machine's cores with the nodes it
    // measures. Each connection's client (handed over by `setupClient`) takes the bytes it writes for
    // a request from `getRequestBuffer()`, once per request: that builds the next request directly.
    // autocannon is pinned to the version this was written against; test/bench/loadgen.test.ts checks
    // the keys, methods, bodies and nodes that the requests reach.
    const setupClient = (client: Client): void => {
      client.getRequestBuffer = () => {
        const read = g.isRead();
        reading.set(client, read);
        return serializeRequest(client.opts.host, requests.make(nextKey(), read));
      };
    };
    const instance = autocannon(
      {
        url: [...g.urls],
        connections: g.connections,
        pipelining: 1,
        timeout: REQUEST_TIMEOUT_S,
        // autocannon's own clock only bounds the run; the measured window is ours.
        duration: spec.warmupS + spec.durationS + 5,
        setupClient,
      },
      (err) => finished(err),
    );
    instance.on("response", (client: object, status: number, _bytes: number, responseTimeMs: number) => {
      if (requests.ok(status)) tally.success(responseTimeMs, reading.get(client));
      else tally.failure(`status ${status}`);
    });
    instance.on("reqError", (err: Error) => tally.failure(/timed out/.test(err.message) ? "timeout" : "socket"));
    return { instance, done };
  });
  await runWindow(spec, tally, hooks);
  for (const { instance } of instances) instance.stop();
  await Promise.all(instances.map((i) => i.done));
  return tally;
}
