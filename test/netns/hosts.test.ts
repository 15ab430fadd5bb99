// The namespace hosts fixture (test/support/netns-hosts.ts): hosts reach each other and the test
// process reaches them over the bridge, each from its own address; teardown and the sweep of a dead
// run's leftovers remove every namespace and link.

import { type ChildProcess, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  createNetnsHosts,
  linkNames,
  type NetnsHosts,
  netnsNames,
  netnsUnavailable,
  sweepStaleHosts,
} from "../support/netns-hosts.ts";
import { waitUntil } from "../support/wait.ts";

const unavailable = netnsUnavailable();
const PORT = 9000;

/** A TCP server that answers each connection with the address it came from. */
const WHO_ASKS = `require("node:net").createServer((s) => s.end(s.remoteAddress))
  .listen(${PORT}, process.argv[1], () => console.log("listening"));`;

/** The answer of the server at `host`, asked from this process. */
function ask(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const s = connect(PORT, host);
    s.setEncoding("utf8");
    s.on("data", (d: string) => (text += d));
    s.on("end", () => resolve(text));
    s.on("error", reject);
  });
}

/** Output of a child until it exits. */
function outputOf(child: ChildProcess): Promise<string> {
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => child.once("exit", () => resolve(out)));
}

describe.skipIf(unavailable !== null)(`namespace hosts${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let net: NetnsHosts;
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const s of servers) s.kill("SIGKILL");
    net?.teardown();
  });

  it("reach each other and are reached from the root namespace, each from its own address", async () => {
    net = createNetnsHosts(2);
    const [a, b] = net.hosts as [(typeof net.hosts)[0], (typeof net.hosts)[0]];
    expect(a.address).not.toBe(b.address);
    const server = net.spawn(a, [process.execPath, "-e", WHO_ASKS, a.address], { stdio: ["ignore", "pipe", "pipe"] });
    servers.push(server);
    let said = "";
    server.stdout!.on("data", (d: Buffer) => (said += d.toString()));
    await waitUntil(() => said.includes("listening"), "the server in host a to listen");

    expect(await ask(a.address)).toBe(net.gateway);
    const fromB = net.spawn(
      b,
      [
        process.execPath,
        "-e",
        `require("node:net").connect(${PORT}, "${a.address}").on("data", (d) => process.stdout.write(d))`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    expect(await outputOf(fromB)).toBe(b.address);
  });

  it("teardown removes every namespace and link it made", async () => {
    const names = net.hosts.map((h) => h.name);
    expect(netnsNames()).toEqual(expect.arrayContaining(names));
    for (const s of servers) s.kill("SIGKILL");
    net.teardown();
    expect(netnsNames().filter((n) => names.includes(n))).toEqual([]);
    // The kernel may finish removing a namespace's veth ends a moment after the namespace is gone.
    const ours = (l: string): boolean => l.startsWith(`rlbr${process.pid}`) || l.startsWith(`rlv${process.pid}`);
    await waitUntil(() => linkNames().filter(ours).length === 0, "every link of this run to be gone", 10_000);
  });

  it("the sweep removes what a run whose process is gone left behind", () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const ns = `raftlab-${dead}a-1`;
    const bridge = `rlbr${dead}a`;
    spawnSync("ip", ["netns", "add", ns]);
    spawnSync("ip", ["link", "add", bridge, "type", "bridge"]);
    try {
      expect(netnsNames()).toContain(ns);
      expect(linkNames()).toContain(bridge);
      sweepStaleHosts();
      expect(netnsNames()).not.toContain(ns);
      expect(linkNames()).not.toContain(bridge);
    } finally {
      spawnSync("ip", ["netns", "del", ns]);
      spawnSync("ip", ["link", "del", bridge]);
    }
  });
});
