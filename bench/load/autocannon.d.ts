// The part of autocannon's programmatic API (v9) that bench/load/closed-loop.ts uses; the package
// ships no types.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface AutocannonOptions {
    /** One target, or several: connection i goes to url[i % url.length]. */
    url: string | string[];
    connections?: number;
    pipelining?: number;
    timeout?: number;
    duration?: number;
    /** Called with each connection's client as it is created. */
    setupClient?(client: { getRequestBuffer(): Buffer; readonly opts: { readonly host: string } }): void;
  }
  interface Instance extends EventEmitter {
    stop(): void;
  }
  function autocannon(opts: AutocannonOptions, done: (err: Error | null, result: unknown) => void): Instance;
  export default autocannon;
}
