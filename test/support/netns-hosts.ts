// Hosts for tests that must leave loopback: each host is a network namespace with its own address,
// joined to the others by a veth pair on a bridge in the root namespace. The bridge has an address
// too, so the test process reaches every host and the hosts reach each other, as machines on one
// LAN would. Needs root (CAP_NET_ADMIN) and iproute2's `ip`.
//
// Everything created is named after this process's pid, so a run killed before its teardown leaves
// nothing that collides with the next one; `sweepStaleHosts` (run before every creation) removes
// what runs whose process is gone left behind. Each set of hosts takes its own 10.77.X.0/24, X held
// by a lock file for as long as this process runs, so concurrent runs never share a subnet.

import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { processExists, tryLockFile } from "../../src/storage/lock.ts";

export interface NetnsHost {
  /** The namespace's name (for `ip netns exec`). */
  readonly name: string;
  /** Its address on the bridge. */
  readonly address: string;
}

export interface NetnsHosts {
  readonly hosts: readonly NetnsHost[];
  /** The root namespace's address on the bridge (where a host sees the test process come from). */
  readonly gateway: string;
  /** Runs `argv` inside `host`'s namespace (`ip netns exec`, which execs it: the child's pid is argv's). */
  spawn(host: NetnsHost, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Removes the namespaces, veths and bridge; safe to call twice. */
  teardown(): void;
}

/** Names this module gives: namespace raftlab-<pid><run>-<i>, bridge rlbr<pid><run>, veth rlv<pid><run>-<i>. */
const STALE_NETNS = /^raftlab-(\d+)[a-z]-\d+$/;
const STALE_LINK = /^rl(?:br|v)(\d+)[a-z]/;
const SUBNET_LOCKS = path.join(tmpdir(), "raftlab-netns");

/** Why this process cannot create namespaces (the reason a test states when it skips), or null. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "network namespaces need root (CI runs as root, where these tests run)";
  return null;
}

let runs = 0;

/** Creates `count` hosts at 10.77.X.11, .12, …; the bridge is 10.77.X.1. */
export function createNetnsHosts(count: number): NetnsHosts {
  if (count < 1 || count > 200) throw new RangeError(`count must be 1..200, got ${count}`);
  sweepStaleHosts();
  const tag = `${process.pid}${String.fromCharCode(97 + (runs++ % 26))}`;
  const { subnet, release } = claimSubnet();
  const undo: (() => void)[] = [release];
  const teardown = (): void => {
    while (undo.length > 0) {
      try {
        undo.pop()!();
      } catch {
        // Already gone (a namespace takes its veth with it): the rest must still go.
      }
    }
  };
  // A worker that exits without its afterAll (an uncaught error) still removes what it made.
  process.once("exit", teardown);
  try {
    const bridge = `rlbr${tag}`;
    ip("link", "add", bridge, "type", "bridge");
    undo.push(() => ip("link", "del", bridge));
    ip("addr", "add", `${subnet}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    const hosts: NetnsHost[] = [];
    for (let i = 1; i <= count; i++) {
      const name = `raftlab-${tag}-${i}`;
      const veth = `rlv${tag}-${i}`;
      ip("netns", "add", name);
      undo.push(() => ip("netns", "del", name));
      ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name);
      // Deleting the namespace takes the pair with it, unless a process still runs in there.
      undo.push(() => ip("link", "del", veth));
      ip("link", "set", veth, "master", bridge, "up");
      const address = `${subnet}.${10 + i}`;
      ip("-n", name, "addr", "add", `${address}/24`, "dev", "eth0");
      ip("-n", name, "link", "set", "eth0", "up");
      ip("-n", name, "link", "set", "lo", "up");
      hosts.push({ name, address });
    }
    return {
      hosts,
      gateway: `${subnet}.1`,
      spawn: (host, argv, options = {}) => spawn("ip", ["netns", "exec", host.name, ...argv], options),
      teardown: () => {
        process.off("exit", teardown);
        teardown();
      },
    };
  } catch (err) {
    teardown();
    throw err;
  }
}

/** Removes namespaces and links that a process which no longer runs created. */
export function sweepStaleHosts(): void {
  for (const name of netnsNames()) {
    const m = STALE_NETNS.exec(name);
    if (m && !processExists(Number(m[1]))) tryIp("netns", "del", name);
  }
  for (const link of linkNames()) {
    const m = STALE_LINK.exec(link);
    if (m && !processExists(Number(m[1]))) tryIp("link", "del", link);
  }
}

/** Every namespace `ip netns` knows. */
export function netnsNames(): string[] {
  return ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter(Boolean);
}

/** Every link of the root namespace, by name (a veth's "@peer" suffix dropped). */
export function linkNames(): string[] {
  return ip("-o", "link", "show")
    .split("\n")
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** A 10.77.X prefix no interface here uses, locked for this process. */
function claimSubnet(): { subnet: string; release: () => void } {
  mkdirSync(SUBNET_LOCKS, { recursive: true });
  const inUse = ip("-4", "-o", "addr", "show");
  const first = 1 + (process.pid % 250);
  for (let k = 0; k < 250; k++) {
    const x = 1 + ((first - 1 + k) % 250);
    const subnet = `10.77.${x}`;
    if (inUse.includes(` ${subnet}.`)) continue;
    const release = tryLockFile(path.join(SUBNET_LOCKS, `subnet-${x}`));
    if (release) return { subnet, release };
  }
  throw new Error("no free 10.77.X.0/24 subnet for namespace hosts");
}

function ip(...args: string[]): string {
  try {
    return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(" ")}: ${(e.stderr ?? "").trim() || e.message}`);
  }
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // Removed by someone else meanwhile.
  }
}
