// Closed-loop load with autocannon: `connections` connections, each sending its next request as soon
// as the previous one is answered. autocannon drives the sockets; latencies go into our own
// microsecond HDR histogram (see latency.ts) and only the measured window counts (see tally.ts).

import autocannon from "autocannon";
import { serializeRequest } from "./http-request.ts";
import { keyGenerator } from "./keys.ts";
import { type LoadSpec, readChooser, requestFactory } from "./spec.ts";
import { Tally } from "./tally.ts";
import { runWindow, type WindowHooks } from "./window.ts";

/** A request unanswered for this long counts as a `timeout` error. */
const REQUEST_TIMEOUT_S = 10;

export async function runClosedLoop(spec: LoadSpec, connections: number, hooks: WindowHooks): Promise<Tally> {
  const tally = new Tally(spec.intervalMs, spec.logSuccesses, spec.shareHistograms);
  const nextKey = keyGenerator({ keys: spec.keys, dist: spec.keyDist, seed: spec.seed, prefix: `c${spec.seed}-` });
  const requests = requestFactory(spec.protocol, spec.valueSize);
  const isRead = readChooser(spec.readRatio, spec.seed);
  let finished!: (err: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = (err) => (err ? reject(err) : resolve());
  });
  const host = new URL(spec.target).host;
  // A fresh key per request without autocannon's `setupRequest`: with one, autocannon rebuilds every
  // request through its general builder, which copies its whole options object each time (measured
  // against a server that answers at once: 36-52 µs of the generator's CPU per request, against
  // 17-23 µs for prebuilt requests), and the generator shares the machine's cores with the nodes it
  // measures. Each connection's client (handed over by `setupClient`) takes the bytes it writes for
  // a request from `getRequestBuffer()`, once per request: that builds the next request directly.
  // autocannon is pinned to the version this was written against; test/bench/loadgen.test.ts checks
  // the keys, methods and bodies that reach the server.
  const setupClient = (client: { getRequestBuffer(): Buffer }): void => {
    client.getRequestBuffer = () => serializeRequest(host, requests.make(nextKey(), isRead()));
  };
  const instance = autocannon(
    {
      url: spec.target,
      connections,
      pipelining: 1,
      timeout: REQUEST_TIMEOUT_S,
      // autocannon's own clock only bounds the run; the measured window is ours.
      duration: spec.warmupS + spec.durationS + 5,
      setupClient,
    },
    (err) => finished(err),
  );
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
    if (requests.ok(status)) tally.success(responseTimeMs);
    else tally.failure(`status ${status}`);
  });
  instance.on("reqError", (err: Error) => tally.failure(/timed out/.test(err.message) ? "timeout" : "socket"));
  await runWindow(spec, tally, hooks);
  instance.stop();
  await done;
  return tally;
}
