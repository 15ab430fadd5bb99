// The part of autocannon's programmatic API (v9) that bench/load/closed-loop.ts uses; the package
// ships no types.
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface AutocannonRequest {
    setupRequest?(req: Record<string, unknown>, context?: Record<string, unknown>): Record<string, unknown> | null;
  }
  interface AutocannonOptions {
    url: string;
    connections?: number;
    pipelining?: number;
    timeout?: number;
    duration?: number;
    requests?: AutocannonRequest[];
  }
  interface Instance extends EventEmitter {
    stop(): void;
  }
  function autocannon(opts: AutocannonOptions, done: (err: Error | null, result: unknown) => void): Instance;
  export default autocannon;
}
