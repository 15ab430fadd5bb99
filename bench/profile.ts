// `raftlab profile`: runs the leader of a local cluster under clinic (doctor, flame or bubbleprof)
// while the other nodes run normally, drives closed-loop load at it, ends it with SIGINT so clinic
// writes its HTML, and puts that HTML in a run folder with an index.html linking it.
//
// clinic's own --autocannon option hangs against a uWS server (uWS does not listen through `net`, so
// clinic never sees the port open): the load comes from our generator instead.

import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Flags, formatFlags } from "../src/core/flags.ts";
import { LocalCluster } from "../src/node/local-cluster.ts";
import { reserveBasePort } from "../src/node/ports.ts";
import { escapeHtml, htmlPage } from "../src/page/page.ts";
import { Loadgen } from "./load/loadgen.ts";
import type { LoadResult } from "./load/spec.ts";
import { machineInfo } from "./machine.ts";
import { useCompiledNodes } from "./node-build.ts";
import { runId } from "./sweep.ts";

export const PROFILE_TOOLS = ["doctor", "flame", "bubbleprof"] as const;
export type ProfileTool = (typeof PROFILE_TOOLS)[number];

const CLINIC = fileURLToPath(new URL("../node_modules/clinic/bin.js", import.meta.url));
/** Nodes 2..N wait this many ticks (15-30 s) before an election, so node 1 (profiled) becomes leader. */
const FOLLOWER_ELECTION_TICKS = 1000;
/** How long clinic may take to analyse its samples and write the HTML after the node stops. */
const CLINIC_ANALYSIS_MS = 180_000;

export interface ProfileOptions {
  readonly flags: Flags;
  readonly nodes: number;
  readonly tool: ProfileTool;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly valueSize: number;
  readonly out: string;
  readonly nodeArgs: readonly string[];
}

export interface ProfileOutcome {
  readonly dir: string;
  /** The clinic HTML, relative to `dir`. */
  readonly html: string;
  readonly load: LoadResult;
}

export async function runProfile(
  o: ProfileOptions,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<ProfileOutcome> {
  const id = runId(o.out, `profile-${o.tool}`);
  const dir = path.join(o.out, id);
  await mkdir(dir, { recursive: true });
  let clinicExited!: (code: number | null) => void;
  const clinicDone = new Promise<number | null>((resolve) => (clinicExited = resolve));
  const cluster = new LocalCluster({
    nodes: o.nodes,
    flags: o.flags,
    basePort: (await reserveBasePort(o.nodes)).base,
    nodeArgs: o.nodeArgs,
    stdio: "ignore",
    command: (nodeId, argv) =>
      nodeId === 1
        ? // NO_INSIGHT: clinic would otherwise try to reach its insight service, which hangs offline.
          ["env", "NO_INSIGHT=1", process.execPath, CLINIC, o.tool, "--open=false", "--dest", dir, "--", ...argv]
        : [...argv, "--election-ticks", String(FOLLOWER_ELECTION_TICKS)],
    onExit: (nodeId, code, sig) => {
      if (nodeId === 1) clinicExited(code);
      else log(`profile: node ${nodeId} exited (${sig ?? `code ${code}`})`);
    },
  });
  const loadgen = new Loadgen();
  const abort = (): void => {
    loadgen.kill();
    void cluster.stop();
  };
  signal?.addEventListener("abort", abort);
  // Made here, so the finally below removes it: the nodes' command is chosen when they start.
  const build = useCompiledNodes("profile", log);
  try {
    log(`profile: starting ${o.nodes} node(s), flags ${formatFlags(o.flags)}, node 1 under clinic ${o.tool}`);
    cluster.start();
    const leader = await cluster.waitForLeader(60_000);
    if (leader !== 1) throw new Error(`node ${leader} was elected instead of the profiled node 1; run again`);
    const status = await cluster.status(1);
    if (!status) throw new Error("node 1 does not answer /status");
    log(
      `profile: leader is node 1 (pid ${status.pid}); ${o.warmupS}s warm-up + ${o.durationS}s of load at ${o.connections} connections`,
    );
    const load = await loadgen.run(
      {
        target: cluster.clientUrl(1),
        protocol: "raftlab",
        mode: { kind: "closed", connections: o.connections },
        warmupS: o.warmupS,
        durationS: o.durationS,
        valueSize: o.valueSize,
        keys: 0,
        keyDist: "uniform",
        readRatio: 0,
        seed: 1,
      },
      { onMeasureStart() {}, onMeasureEnd() {} },
    );
    log(
      `profile: ${Math.round(load.throughput)} ops/s, p50 ${load.latency.latencyMs.p50} ms, p99 ${load.latency.latencyMs.p99} ms; clinic is writing its report`,
    );
    // SIGINT to the node itself (clinic's child): it stops cleanly and clinic then analyses.
    process.kill(status.pid, "SIGINT");
    const code = await Promise.race([
      clinicDone,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), CLINIC_ANALYSIS_MS).unref()),
    ]);
    if (code === "timeout") throw new Error(`clinic did not finish its report within ${CLINIC_ANALYSIS_MS / 1000} s`);
    const html = readdirSync(dir).find((f) => f.endsWith(`.clinic-${o.tool}.html`));
    if (!html) throw new Error(`clinic exited (code ${code}) without writing an HTML report into ${dir}`);
    writeFileSync(path.join(dir, "index.html"), indexPage(o, html, load, build.runtime));
    return { dir, html, load };
  } finally {
    signal?.removeEventListener("abort", abort);
    await loadgen.close();
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
    build.release();
  }
}

function indexPage(o: ProfileOptions, html: string, load: LoadResult, runtime: string): string {
  const m = machineInfo();
  const rows: [string, string][] = [
    ["tool", `clinic ${o.tool}`],
    ["profiled", "node 1 (the leader)"],
    ["nodes run", runtime],
    ["flags", formatFlags(o.flags)],
    ["cluster size", String(o.nodes)],
    [
      "load",
      `closed loop, ${o.connections} connections, ${o.valueSize}-byte PUTs to fresh keys, ${o.warmupS} s warm-up + ${o.durationS} s`,
    ],
    ["throughput", `${Math.round(load.throughput)} ops/s (${load.errors} errors)`],
    ["latency", `p50 ${load.latency.latencyMs.p50} ms, p99 ${load.latency.latencyMs.p99} ms`],
    ["machine", `${m.cpuModel}, ${m.cores} cores, Node ${m.node}, commit ${m.commit ?? "unknown"}`],
  ];
  const table = `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>`;
  const body =
    `<h1>Profile: clinic ${escapeHtml(o.tool)} of the leader</h1>\n${table}\n` +
    `<p><a href="${escapeHtml(encodeURIComponent(html))}">Open the clinic ${escapeHtml(o.tool)} report</a> ` +
    `(clinic under load slows the profiled node: the figures above are not a benchmark).</p>`;
  return htmlPage({
    title: `raftlab profile: clinic ${o.tool}, ${formatFlags(o.flags)} × ${o.nodes}`,
    body,
    charts: false,
  });
}
