// `raftlab bench`'s options: the --help text, presets, parsing into the sweep's SweepOptions.
// A bad value is a UsageError naming the option (the CLI prints it on one line and exits 64).

import { randomInt } from "node:crypto";
import { readCalibration } from "../../bench/calibrate/calibration.ts";
import { ENVIRONMENTS, isEnvName } from "../../bench/environments.ts";
import { type BenchEvent, formatEvent, parseEvent } from "../../bench/events/event.ts";
import type { BenchReadMode } from "../../bench/results.ts";
import { BENCH_READ_MODES, type EnvChoice, type Preset, type SweepOptions } from "../../bench/sweep-options.ts";
import { KNOB_NAMES, KNOB_OPTIONS, type KnobName } from "../core/config.ts";
import type { ClusterAccess } from "../node/remote-cluster.ts";
import { STATE_MACHINE_KINDS } from "../node/state-machines.ts";
import { clusterFileOption, clusterSecretOption, secretFileOption } from "./cluster-file-option.ts";
import {
  choiceOption,
  flagListOption,
  intOption,
  listOption,
  numberOption,
  parseOptions,
  UsageError,
} from "./options.ts";

// quick is the default run: 16 combinations × 2 sizes, once on loopback and twice in the emulated data
// center = 96 cells of 1 + 2 s in shuffled order, in under 10 minutes on 2 cores (README, "The default
// run"). dc is repeated because there the flags' effects are many and large, which inflates Lenth's
// pseudo standard error; the replicate variance gives the intervals that decide.
// validate: the cells the simulator's model is checked against (--validate-model, on by default
// here): 16 combinations × 3 and 5 nodes × 1, 32 and 128 connections × loopback, 1 ms of network
// delay each way and 1000 µs of fsync delay, twice: 576 cells, about 50 minutes.
// events: what the three combinations that matter most pay for a leadership hand-over, a leader
// crash, a follower pause, a partitioned leader and a slow follower disk, all five in every cell, 4 s
// apart (each compared over 2 s before and after), 3 repetitions: about 5 minutes. The rate is what `none` (one fsync per
// entry, about 300 writes/s here) sustains with room to spare, so every combination takes the same load.
const PRESETS = {
  quick: {
    flags: "all-combos",
    sizes: "3,5",
    connections: "128",
    duration: "2",
    warmup: "1",
    reps: "1",
    env: "loopback,dc:2",
    "net-delay": "0",
    "fsync-delay-us": "0",
    rate: undefined,
    event: [],
  },
  full: {
    flags: "all-combos",
    sizes: "1,3,5,7",
    connections: "1,8,32,128",
    duration: "10",
    warmup: "3",
    reps: "3",
    env: "",
    "net-delay": "0,1,5",
    "fsync-delay-us": "0,1000,5000",
    rate: undefined,
    event: [],
  },
  events: {
    flags: "none,batch,all",
    sizes: "3",
    connections: "",
    duration: "20",
    warmup: "1",
    reps: "3",
    env: "loopback",
    "net-delay": "0",
    "fsync-delay-us": "0",
    rate: "200",
    event: [
      "transfer-leader@2",
      "kill-leader@6",
      "pause-follower:1000@10",
      "partition-leader:1000@14",
      "slow-disk:follower:5000@18",
    ],
  },
  validate: {
    flags: "all-combos",
    sizes: "3,5",
    connections: "1,32,128",
    duration: "2",
    warmup: "1",
    reps: "2",
    env: "",
    "net-delay": "0,1",
    "fsync-delay-us": "0,1000",
    rate: undefined,
    event: [],
  },
} as const satisfies Record<Preset, unknown>;

export const BENCH_USAGE = `Usage: raftlab bench [options] [-- node options]

Sweeps cluster sizes × flag combinations × load levels under load on loopback: every cell starts a
fresh cluster (new data directories, free ports), finds the leader, loads it, scrapes every node's
statistics and stops the cluster. Warm-up is excluded from every figure. Writes
<out>/<run-id>/results.json after every cell, then the report, and prints its path.

With no options: --preset quick, all 16 combinations × sizes 3,5 at 128 connections, once on
loopback and twice in an emulated data center, 1 + 2 s per cell in shuffled order (under 10
minutes on 2 cores). The report leads with each flag's factorial effect and its 95 % interval.

Options:
  --preset NAME          quick (default); full: sizes 1,3,5,7; connections 1,8,32,128; 3 reps;
                         10 s cells; network delay 0,1,5 ms; fsync delay 0,1000,5000 µs (hours);
                         events: none,batch,all on 3 nodes at 200 req/s open loop, 20 s cells with
                         transfer-leader@2 kill-leader@6 pause-follower:1000@10
                         partition-leader:1000@14 slow-disk:follower:5000@18, 3 reps (about 5
                         minutes); validate: the model validation's cells (16 combinations × 3,5
                         nodes × 1,32,128 connections × net delay 0,1 ms × fsync delay 0,1000 µs,
                         2 reps, about 50 minutes), then --validate-model
  --env LIST             named environments, each a set of emulation knobs: loopback (none) and
                         dc (net 0.25 ms one way, fsync +1000 µs, apply 100 µs); NAME:N repeats
                         that environment's cells N times instead of --reps. Default with
                         --preset quick: loopback,dc:2. Not with --net-delay, --fsync-delay-us or
                         --apply-cost-us, which sweep one knob at a time instead
  --order ORDER          shuffled (default): cells in a seeded random order within each
                         repetition, so drift of the machine does not pass for a flag's effect;
                         grouped: by environment, size, load level and combination
  --seed N               seed of the shuffled order (default: random; results.json records it,
                         so a run's order can be replayed)
  --sizes LIST           cluster sizes, e.g. 3,5
  --flags LIST           combinations, e.g. none,batch,all or all-combos (default all-combos)
  --connections LIST     closed-loop load levels: concurrent connections, e.g. 1,32,128
  --rate LIST            open-loop load levels in requests/s, e.g. 2000,8000; latency is timed
                         from each request's intended start. Without --connections, only these run
  --max-outstanding N    open loop: requests in flight beyond N are shed and counted as errors
                         (default 1000)
  --event EVENT@S        inject EVENT into every cell S seconds after its measured window opens
                         (repeatable): kill-leader (SIGKILL; restarted 2 s later), transfer-leader
                         (the leader hands over to its most up-to-date follower), add-learner (a
                         new node joins as a learner), remove-follower (a follower leaves the
                         configuration), pause-follower:MS
                         (SIGSTOP, SIGCONT after MS), partition-leader:MS (its peer links cut both
                         ways for MS), slow-disk:NODE:US (fsync +US µs from then on on NODE: an id,
                         leader or follower). Needs open-loop load (--rate): the load follows the
                         leader, and a closed loop would stop offering load while nothing answers,
                         hiding the outage. Per event, results.json records the time to the first
                         success, the longest stretch without one, and throughput and p99 in the
                         2 s before and after; the series is kept at 20 ms
  --duration S           measured seconds per cell
  --warmup S             warm-up seconds per cell (not measured)
  --reps N               repetitions of every cell
  --value-size BYTES     value size of each write (default 64)
  --keys N               key space; 0 = a fresh key for every request (default 0)
  --key-dist DIST        uniform or zipf (θ = 0.99) over --keys (default uniform)
  --read-ratio P         fraction of requests that are reads, 0..1 (default 0)
  --read-mode LIST       how reads are served, crossed with --flags (default: readindex, not
                         recorded): readindex (the nodes' default: a heartbeat round per read on
                         the leader), lease (the leader's lease: nodes started with 'raftlab node
                         --read-mode lease'), stale (GET ?stale=1 from every node's own state).
                         Closed loop with stale: the connections split in the read ratio into
                         writers on the leader and readers spread over all nodes; open loop: each
                         read goes to the next node in turn. Needs --read-ratio above 0. Cells
                         record the reads' own throughput and latency. With --target: not lease
                         (the nodes run in the mode they were started with); readindex checks
                         that they do; stale reads from every node in the cluster file
  --net-delay LIST       one-way delay per peer message, ms
  --net-jitter MS        delay varies uniformly by ± this much (default 0)
  --net-loss P           peer message loss probability, 0..1 (default 0)
  --fsync-delay-us LIST  added to every fsync, µs (a real SSD: ~1000)
  --apply-cost-us LIST   time each applied command holds the applying thread, µs, mostly waiting
                         like a synchronous storage write (default 0)
  --state-machine KIND   what raftlab's nodes apply committed entries to: kv (default), or noop to
                         measure replication alone (keeps no data: needs --read-ratio 0)
  --max-inflight LIST    knob lists, swept like the environment lists (unset: the node's default;
                         see 'raftlab node --help'). A flag that is off still forces its own value
                         (pipeline off: a window of 1; batch off: one entry per AppendEntries).
                         AppendEntries in flight per follower, e.g. --flags all --max-inflight
                         1,2,4,16,64: throughput and p99 against the window in the report
  --max-inflight-bytes LIST  payload bytes in flight per follower (0 = no limit)
  --max-batch-entries LIST   entries per AppendEntries
  --max-batch-bytes LIST     payload bytes per AppendEntries
  --max-apply-bytes LIST     payload bytes per apply batch
  --peer etcd            also run an etcd cluster of each size under the same load (needs an etcd
                         binary on PATH: apt-get install etcd-server)
  --target FILE          measure a running cluster described by its cluster file (see 'raftlab
                         node --help') instead of starting one per cell: each cell switches every
                         node to its combination (POST /admin/flags: nodes run with --admin, the
                         file's secretFile holds their secret), finds the leader, loads it and
                         records the round trip to it. Size, environment and knob options do not
                         apply; checks and micro-benchmarks are off unless asked for
  --loadgen URLS         load workers on other hosts, http://HOST:PORT,... (each one a 'raftlab
                         loadgen --listen HOST:PORT'): every cell's connections, or its open-loop
                         rate, are split between them, they start together, and their latency
                         histograms are merged (percentiles are never averaged). Default: one
                         generator process on this machine
  --loadgen-secret-file FILE
                         the secret the workers were started with (default: --target's secretFile)
  --out DIR              reports root (default reports)
  --leader-timeout-ms N  a cell fails if no leader is elected within N ms (default 15000)
  --check-seconds S      after the sweep, a checked fault run of S seconds per combination (kill -9,
                         pauses, partitions; linearizability checked): the report's correctness
                         column. 0 skips it (default 3; 0 with --target)
  --calibrate KIND       this machine's primitive costs, stored in results.json and used for each
                         cell's bounds in the report (see 'raftlab calibrate --help'): short
                         (default, about 15 s before the cells), full (under a minute), off, or
                         the path of a calibration.json written by 'raftlab calibrate'. Off with
                         --target unless asked for
  --micro-ms MS          after that, the micro-benchmarks (codec, log append, quorum, checker) at
                         MS per task, as a table in the report. 0 skips them (default 200; 0 with
                         --target)
  --validate-model       after the sweep, simulate every measured closed-loop cell in its own
                         configuration and compare (as 'raftlab whatif --validate RUN_DIR'):
                         model-validation.md and .json in the run's folder (default with --preset
                         validate)
  --verbose              show the nodes' output
  -h, --help             show this help

Lists are comma-separated. The environment lists (--net-delay, --fsync-delay-us, --apply-cost-us)
and the knob lists are swept one at a time from their first values: --net-delay 0,5
--fsync-delay-us 0,1000 runs the scenarios (0 ms, 0 µs), (5 ms, 0 µs) and (0 ms, 1000 µs).
Anything after "--" is passed to every node (see 'raftlab node --help').`;

/** `loopback,dc:2`: environment names, each optionally with its own repetition count. */
function envList(raw: string): EnvChoice[] {
  if (raw === "") return [];
  const choices = raw.split(",").map((item): EnvChoice => {
    const [name = "", reps, extra] = item.trim().split(":");
    if (!isEnvName(name) || extra !== undefined)
      throw new UsageError(
        `--env: unknown environment "${item.trim()}"; use ${Object.keys(ENVIRONMENTS).join(", ")}, each optionally with :REPS (dc:2), comma-separated`,
      );
    return { name, reps: reps === undefined ? null : intOption(`--env ${name}:REPS`, reps, 1, 1000) };
  });
  const names = choices.map((c) => c.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`--env names "${twice}" twice`);
  return choices;
}

function replicationKnobLists(
  v: Record<string, unknown>,
  int: (min: number, max: number) => (name: string, s: string) => number,
): Partial<Record<KnobName, number[]>> {
  const out: Partial<Record<KnobName, number[]>> = {};
  for (const k of KNOB_NAMES) {
    const { option, min, max } = KNOB_OPTIONS[k];
    const raw = v[option.slice(2)];
    if (typeof raw === "string") out[k] = listOption(option, raw, int(min, max));
  }
  return out;
}

/** Options that configure the nodes the bench starts, which a targeted cluster was started without. */
const NODE_SETUP_OPTIONS = [
  "sizes",
  "peer",
  "env",
  "net-delay",
  "fsync-delay-us",
  "apply-cost-us",
  ...KNOB_NAMES.map((k) => KNOB_OPTIONS[k].option.slice(2)),
] as const;

/** `--target FILE`: the running cluster and its secret (the nodes' /admin token). */
function targetOption(v: Record<string, unknown>, nodeOptions: number): ClusterAccess {
  const given = NODE_SETUP_OPTIONS.find((name) => v[name] !== undefined);
  const changed = (["net-jitter", "net-loss"] as const).find((name) => v[name] !== "0");
  const bad = given ?? changed ?? (v["state-machine"] !== "kv" ? "state-machine" : undefined);
  if (bad !== undefined)
    throw new UsageError(
      `--${bad} sets up the nodes the bench starts; with --target the cluster runs as it was started (its size comes from the file)`,
    );
  if (nodeOptions > 0)
    throw new UsageError(`node options after "--" are for the nodes the bench starts; with --target there are none`);
  const spec = clusterFileOption("--target", v.target as string);
  return { spec, adminToken: clusterSecretOption("--target", spec) };
}

/**
 * `--read-mode` values, refused where they would measure nothing or cannot be run: without reads,
 * stale with a closed loop too small to split into writers and readers, lease on a cluster the bench
 * did not start.
 */
function readModesOption(
  raw: string | undefined,
  o: { readRatio: number; connections: readonly number[]; target: ClusterAccess | null },
): BenchReadMode[] {
  if (raw === undefined) return [];
  const modes = [...new Set(raw.split(",").map((s) => choiceOption("--read-mode", s.trim(), BENCH_READ_MODES)))];
  if (o.readRatio === 0)
    throw new UsageError("--read-mode compares how reads are served: give --read-ratio above 0 (e.g. 0.9)");
  if (o.target && modes.includes("lease"))
    throw new UsageError(
      "--read-mode lease starts the nodes with --read-mode lease; with --target the nodes serve reads in the mode they were started with (readindex checks it; stale reads from every node)",
    );
  const few = o.connections.find((c) => c < 2);
  if (modes.includes("stale") && o.readRatio < 1 && few !== undefined)
    throw new UsageError(
      `--read-mode stale splits each closed-loop level's connections into writers and readers: --connections ${few} is too few (at least 2, or --read-ratio 1)`,
    );
  return modes;
}

/** `--loadgen URLS [--loadgen-secret-file FILE]`: the load workers and the secret they take. */
function loadWorkersOption(
  raw: string | undefined,
  secretFile: string | undefined,
  target: ClusterAccess | null,
): SweepOptions["loadWorkers"] {
  if (raw === undefined) {
    if (secretFile !== undefined) throw new UsageError("--loadgen-secret-file goes with --loadgen");
    return null;
  }
  const urls = raw.split(",").map((u) => {
    const url = URL.canParse(u.trim()) ? new URL(u.trim()) : null;
    if (url?.protocol !== "http:" || !url.port || url.pathname !== "/" || url.search || url.username) {
      throw new UsageError(`--loadgen: "${u}" is not http://HOST:PORT (a 'raftlab loadgen --listen HOST:PORT')`);
    }
    return url.origin;
  });
  if (new Set(urls).size !== urls.length) throw new UsageError("--loadgen names the same worker twice");
  const secret = secretFileOption("--loadgen-secret-file", secretFile) ?? target?.adminToken ?? null;
  return { urls, secret };
}

/**
 * `--event` values, refused where they would measure nothing: a closed loop stops offering load
 * while nothing answers, a cluster the bench did not start cannot be killed, and one of fewer than
 * 3 nodes does not survive losing one.
 */
function eventsOption(
  raw: readonly string[],
  o: {
    rates: readonly number[];
    connections: readonly number[];
    sizes: readonly number[];
    durationS: number;
    target: ClusterAccess | null;
    peer: string | undefined;
  },
): BenchEvent[] {
  const events = raw.map((r) => {
    try {
      return parseEvent(r);
    } catch (err) {
      throw new UsageError(`--event: ${(err as Error).message}`);
    }
  });
  if (events.length === 0) return events;
  if (o.rates.length === 0 || o.connections.length > 0)
    throw new UsageError(
      "--event needs open-loop load only (--rate, no --connections): the open loop follows the leader and keeps offering load while nothing answers, so an outage shows; a closed loop stops sending and hides it",
    );
  if (o.target) throw new UsageError("--event kills, pauses and cuts nodes the bench starts; not with --target");
  if (o.peer !== undefined) throw new UsageError("--event runs on raftlab's own clusters; not with --peer");
  const small = o.sizes.find((n) => n < 3);
  if (small !== undefined)
    throw new UsageError(`--event needs clusters that survive losing a node: --sizes 3 or more, not ${small}`);
  const late = events.find((e) => e.atS >= o.durationS);
  if (late)
    throw new UsageError(
      `--event ${formatEvent(late)} is not within the ${o.durationS} s measured window (--duration)`,
    );
  return events;
}

export function parseBenchOptions(argv: readonly string[]): SweepOptions | "help" {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? [...argv] : argv.slice(0, dash);
  const { values: v } = parseOptions({
    args: own,
    options: {
      preset: { type: "string", default: "quick" },
      sizes: { type: "string" },
      flags: { type: "string" },
      connections: { type: "string" },
      rate: { type: "string" },
      "max-outstanding": { type: "string", default: "1000" },
      event: { type: "string", multiple: true },
      duration: { type: "string" },
      warmup: { type: "string" },
      reps: { type: "string" },
      "value-size": { type: "string", default: "64" },
      keys: { type: "string", default: "0" },
      "key-dist": { type: "string", default: "uniform" },
      "read-ratio": { type: "string", default: "0" },
      "read-mode": { type: "string" },
      "net-delay": { type: "string" },
      "net-jitter": { type: "string", default: "0" },
      "net-loss": { type: "string", default: "0" },
      "fsync-delay-us": { type: "string" },
      "apply-cost-us": { type: "string" },
      "state-machine": { type: "string", default: "kv" },
      env: { type: "string" },
      order: { type: "string", default: "shuffled" },
      seed: { type: "string" },
      ...Object.fromEntries(KNOB_NAMES.map((k) => [KNOB_OPTIONS[k].option.slice(2), { type: "string" as const }])),
      peer: { type: "string" },
      target: { type: "string" },
      loadgen: { type: "string" },
      "loadgen-secret-file": { type: "string" },
      out: { type: "string", default: "reports" },
      "leader-timeout-ms": { type: "string", default: "15000" },
      "check-seconds": { type: "string" },
      "validate-model": { type: "boolean" },
      "micro-ms": { type: "string" },
      calibrate: { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) return "help";
  if (!(v.preset in PRESETS))
    throw new UsageError(`--preset must be ${Object.keys(PRESETS).join(", ")}, got "${v.preset}"`);
  const preset = v.preset as Preset;
  const p = PRESETS[preset];
  const int = (min: number, max: number) => (name: string, s: string) => intOption(name, s, min, max);
  const num = (min: number, max: number) => (name: string, s: string) => numberOption(name, s, min, max);

  const flags = flagListOption(v.flags ?? p.flags);
  if (v["key-dist"] !== "uniform" && v["key-dist"] !== "zipf") {
    throw new UsageError(`--key-dist must be uniform or zipf, got "${v["key-dist"]}"`);
  }
  if (v.peer !== undefined && v.peer !== "etcd") throw new UsageError(`--peer must be etcd, got "${v.peer}"`);
  const target = v.target === undefined ? null : targetOption(v, dash < 0 ? 0 : argv.length - dash - 1);
  const keys = intOption("--keys", v.keys, 0, 100_000_000);
  if (v["key-dist"] === "zipf" && keys === 0)
    throw new UsageError("--key-dist zipf needs a key space: --keys N with N > 0");
  const readRatio = numberOption("--read-ratio", v["read-ratio"], 0, 1);
  const stateMachine = choiceOption("--state-machine", v["state-machine"], STATE_MACHINE_KINDS);
  if (stateMachine === "noop" && readRatio > 0) {
    throw new UsageError("--state-machine noop keeps no data to read: use --read-ratio 0, or --state-machine kv");
  }
  const rateList = v.rate ?? p.rate;
  const rates = rateList === undefined ? [] : listOption("--rate", rateList, int(1, 10_000_000));
  const knobLists =
    v["net-delay"] !== undefined || v["fsync-delay-us"] !== undefined || v["apply-cost-us"] !== undefined;
  if (knobLists && v.env !== undefined) {
    throw new UsageError(
      "--env names whole environments: give either --env or --net-delay/--fsync-delay-us/--apply-cost-us, not both",
    );
  }
  // A targeted cluster has no emulation the bench can set: its cells are plain ones.
  const env = target ? envList("loopback") : knobLists ? [] : envList(v.env ?? p.env);
  if (v.order !== "shuffled" && v.order !== "grouped")
    throw new UsageError(`--order must be shuffled or grouped, got "${v.order}"`);
  // Closed loop runs unless only open-loop levels were asked for.
  const connections =
    v.connections !== undefined
      ? listOption("--connections", v.connections, int(1, 10_000))
      : rates.length > 0
        ? []
        : listOption("--connections", p.connections, int(1, 10_000));
  const sizes = target ? [target.spec.nodes.length] : listOption("--sizes", v.sizes ?? p.sizes, int(1, 99));
  const durationS = numberOption("--duration", v.duration ?? p.duration, 0.1, 86_400);
  const events = eventsOption(v.event ?? p.event, { rates, connections, sizes, durationS, target, peer: v.peer });
  const readModes = readModesOption(v["read-mode"], { readRatio, connections, target });

  return {
    preset,
    sizes,
    flags,
    connections,
    rates,
    maxOutstanding: intOption("--max-outstanding", v["max-outstanding"], 1, 1_000_000),
    events: events.map(formatEvent),
    durationS,
    warmupS: numberOption("--warmup", v.warmup ?? p.warmup, 0, 86_400),
    reps: intOption("--reps", v.reps ?? p.reps, 1, 1000),
    valueSize: intOption("--value-size", v["value-size"], 0, 64 << 20),
    keys,
    keyDist: v["key-dist"],
    readRatio,
    readModes,
    netDelayMs: listOption("--net-delay", v["net-delay"] ?? p["net-delay"], num(0, 60_000)),
    netJitterMs: numberOption("--net-jitter", v["net-jitter"], 0, 60_000),
    netLoss: numberOption("--net-loss", v["net-loss"], 0, 1),
    fsyncDelayUs: listOption("--fsync-delay-us", v["fsync-delay-us"] ?? p["fsync-delay-us"], int(0, 10_000_000)),
    applyCostUs: listOption("--apply-cost-us", v["apply-cost-us"] ?? "0", int(0, 10_000_000)),
    stateMachine,
    env,
    order: v.order,
    seed: v.seed === undefined ? randomInt(1, 2 ** 31 - 1) : intOption("--seed", v.seed, 0, 2 ** 31 - 1),
    knobs: replicationKnobLists(v, int),
    peer: v.peer === "etcd" ? "etcd" : null,
    target,
    loadWorkers: loadWorkersOption(v.loadgen, v["loadgen-secret-file"], target),
    out: v.out,
    leaderTimeoutMs: intOption("--leader-timeout-ms", v["leader-timeout-ms"], 100, 600_000),
    // They measure this machine, not the targeted cluster: off with --target unless asked for.
    checkS: numberOption("--check-seconds", v["check-seconds"] ?? (target ? "0" : "3"), 0, 3600),
    microMs: intOption("--micro-ms", v["micro-ms"] ?? (target ? "0" : "200"), 0, 600_000),
    calibrate: calibrateOption(v.calibrate ?? (target ? "off" : "short")),
    verbose: v.verbose,
    validateModel: v["validate-model"] ?? preset === "validate",
    nodeArgs: dash < 0 ? [] : argv.slice(dash + 1),
  };
}

/** `--calibrate`: a kind to take before the cells, off, or a calibration file to store with the run. */
function calibrateOption(raw: string): SweepOptions["calibrate"] {
  if (raw === "off") return null;
  if (raw === "short" || raw === "full") return { kind: raw };
  if (!raw.endsWith(".json")) {
    throw new UsageError(`--calibrate: "${raw}" is not short, full, off or the path of a calibration .json file`);
  }
  try {
    return { file: raw, calibration: readCalibration(raw) };
  } catch (err) {
    throw new UsageError(`--calibrate: ${(err as Error).message}`);
  }
}
