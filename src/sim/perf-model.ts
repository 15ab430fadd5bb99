// The costs the simulator's performance mode charges: what a deployment's network, disk and CPU take
// for each thing a node does. The defaults describe one node of this project's own 2-core VM (AMD
// EPYC, Node 20, host-cached virtual disk) as the README's measurements found it, with every node on
// a machine of its own; a calibration run on another machine replaces them.

/** Per-operation CPU costs of a node's event loop, in µs of the machine they were measured on. */
export interface CpuCosts {
  /** The leader: reading one client request, proposing it and writing its answer (HTTP). */
  readonly httpUsPerRequest: number;
  /** Any node: one entry appended to its log (encoding, checksum, the write into the page cache). */
  readonly appendUsPerEntry: number;
  /** Any node: one committed entry applied to the state machine, and its bookkeeping. */
  readonly applyUsPerEntry: number;
  /** Any node: one peer message sent or received (framing, the socket call, decoding). */
  readonly messageUs: number;
  /**
   * The load generator: sending one request and reading its answer, on one event loop for every
   * connection (as autocannon's), so a burst of answers goes back out as a trickle of requests.
   */
  readonly loadgenUsPerRequest: number;
  /**
   * Any event loop, the load generator's too: CPU to wake from idle for a task (the kernel's wake-up,
   * the poll, the turn's bookkeeping). Under load a loop rarely sleeps and the cost is shared; one
   * request at a time pays it at every hop.
   */
  readonly wakeUs: number;
}

export interface PerfModel {
  /** Round trip between two nodes, ms: each peer message takes half of it, after its size over the bandwidth. */
  readonly rttMs: number;
  /** Each directed peer link's bandwidth, Mbit/s. */
  readonly bandwidthMbps: number;
  /** Round trip between the clients and the node they load, ms. */
  readonly clientRttMs: number;
  /** One fsync's latency, ms: log-normal with this median and 99th percentile (equal: every fsync alike). */
  readonly fsyncMs: { readonly p50: number; readonly p99: number };
  readonly cpu: CpuCosts;
  /**
   * How long applying one command holds the applying thread, µs, mostly waiting (a synchronous
   * storage write), like `--apply-cost-us`: on the event loop with `async-apply` off, on the apply
   * thread with it on. A wait, not CPU: `cpuScale` leaves it alone.
   */
  readonly applyHoldUs: number;
  /**
   * How long an idle event loop takes to start on a task that arrives, µs: the scheduler waking a
   * sleeping process (on a VM, its virtual CPU too). A wait, not CPU: `cpuScale` leaves it alone.
   */
  readonly wakeLatencyUs: number;
  /** The CPU's speed relative to the one the costs describe: every CPU cost is divided by it. */
  readonly cpuScale: number;
  /**
   * The cores the nodes and the load generator share, as when a bench cell runs every process on
   * one machine (see shared-cpu.ts); null: each has a core of its own, as on machines of their own.
   */
  readonly cores: number | null;
}

/**
 * This machine, as measured (README "What it measured here"):
 *   - peers on loopback: a WebSocket message one way in about 50 µs; clients likewise;
 *   - fsync of one small append: p50 0.085 ms (81–84 µs after the segment zero fill), p99 1.2 ms
 *     (the lone sync's p99 ranged 1.2–4.6 ms);
 *   - CPU per write with all four flags at 128 connections (46 entries per AppendEntries, 31 per
 *     fsync): 22.8 µs on the leader, 7.7 µs on each follower. The costs below reproduce both totals:
 *     leader 14 (HTTP) + 5 (append) + 2 (apply) + 4 messages × 12 ÷ 46 ≈ 22, follower 5 + 2 +
 *     2 × 12 ÷ 46 ≈ 7.5. The split into parts is an estimate (the run measured only the totals);
 *     a calibration run measures the parts;
 *   - the load generator: 17–23 µs of its CPU per request (bench/load/closed-loop.ts).
 */
export const DEFAULT_PERF_MODEL: PerfModel = {
  rttMs: 0.1,
  bandwidthMbps: 10_000,
  clientRttMs: 0.1,
  fsyncMs: { p50: 0.085, p99: 1.2 },
  cpu: {
    httpUsPerRequest: 14,
    appendUsPerEntry: 5,
    applyUsPerEntry: 2,
    messageUs: 12,
    loadgenUsPerRequest: 20,
    wakeUs: 0,
  },
  applyHoldUs: 0,
  wakeLatencyUs: 0,
  cpuScale: 1,
  cores: null,
};
