// Closed-loop load with autocannon: `connections` connections, each sending its next request as soon
// as the previous one is answered. autocannon drives the sockets; latencies go into our own
// microsecond HDR histogram (see latency.ts) and only the measured window counts (see tally.ts).

import autocannon from "autocannon";
import { keyGenerator } from "./keys.ts";
import { readChooser, requestFactory, type LoadSpec } from "./spec.ts";
import { Tally } from "./tally.ts";
import { runWindow, type WindowHooks } from "./window.ts";

/** A request unanswered for this long counts as a `timeout` error. */
const REQUEST_TIMEOUT_S = 10;

export async function runClosedLoop(spec: LoadSpec, connections: number, hooks: WindowHooks): Promise<Tally> {
  const tally = new Tally();
  const nextKey = keyGenerator({ keys: spec.keys, dist: spec.keyDist, seed: spec.seed, prefix: `c${spec.seed}-` });
  const requests = requestFactory(spec.protocol, spec.valueSize);
  const isRead = readChooser(spec.readRatio, spec.seed);
  let finished!: (err: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = (err) => (err ? reject(err) : resolve());
  });
  const instance = autocannon({
    url: spec.target,
    connections,
    pipelining: 1,
    timeout: REQUEST_TIMEOUT_S,
    // autocannon's own clock only bounds the run; the measured window is ours.
    duration: spec.warmupS + spec.durationS + 5,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const r = requests.make(nextKey(), isRead());
          return { ...req, method: r.method, path: r.path, body: r.body, headers: r.headers };
        },
      },
    ],
  }, (err) => finished(err));
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
