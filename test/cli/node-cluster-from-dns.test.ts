// `raftlab node --cluster-from-dns DOMAIN:N` derives the members from a StatefulSet's stable DNS names
// and this pod's ordinal, giving the same configuration as the equivalent --peers list.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { parseNodeOptions } from "../../src/cli/node.ts";
import { clusterFromDns, DnsClusterError, parseDnsClusterName } from "../../src/node/cluster-from-dns.ts";
import type { NodeOptions } from "../../src/server/raft-node.ts";
import { captureOutput } from "../support/capture.ts";

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-node-dns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
const secretFile = path.join(dir, "cluster.secret");
writeFileSync(secretFile, "0123456789abcdef0123456789abcdef\n");

function options(argv: string[]): NodeOptions {
  const o = parseNodeOptions(argv);
  if (o === "help") throw new Error("unexpected help");
  return o;
}

describe("clusterFromDns", () => {
  it("names SET-0 .. SET-(N-1) under the domain and makes ordinal K node K+1", () => {
    const c = clusterFromDns(parseDnsClusterName("db.prod.svc.cluster.local:3"), "db-2", {
      clientPort: 7001,
      peerPort: 7101,
    });
    expect(c.id).toBe(3);
    expect(c.nodes.map((n) => [n.id, n.host, n.clientPort, n.peerPort])).toEqual([
      [1, "db-0.db.prod.svc.cluster.local", 7001, 7101],
      [2, "db-1.db.prod.svc.cluster.local", 7001, 7101],
      [3, "db-2.db.prod.svc.cluster.local", 7001, 7101],
    ]);
  });

  it("keeps hyphens of the set's name and refuses names without an ordinal or outside the set", () => {
    const ports = { clientPort: 1, peerPort: 2 };
    expect(clusterFromDns(parseDnsClusterName("svc:2"), "raft-lab-1", ports).nodes[0]!.host).toBe("raft-lab-0.svc");
    expect(() => clusterFromDns(parseDnsClusterName("svc:3"), "laptop", ports)).toThrow(/does not end in -ORDINAL/);
    expect(() => clusterFromDns(parseDnsClusterName("svc:3"), "raftlab-3", ports)).toThrow(
      /ordinal 3, outside a cluster of 3 \(0-2\)/,
    );
  });

  it("refuses a value that is not DOMAIN:N", () => {
    for (const bad of ["svc", "svc:", ":3", "svc:x", "svc:0", "svc:100", "bad_name:3", "-svc:3", "a..b:3"]) {
      expect(() => parseDnsClusterName(bad), bad).toThrow(DnsClusterError);
    }
  });
});

describe("raftlab node --cluster-from-dns", () => {
  it("is the same configuration as the equivalent --peers list, bound to 0.0.0.0", () => {
    const fromDns = options([
      ...["--cluster-from-dns", "raftlab.ns.svc:3", "--pod-name", "raftlab-1", "--client-port", "8001"],
      ...["--peer-port", "8101", "--secret-file", secretFile],
    ]);
    const peers = [0, 1, 2].map((k) => `${k + 1}=raftlab-${k}.raftlab.ns.svc:8001:8101`).join(",");
    const fromPeers = options([
      ...["--id", "2", "--peers", peers, "--data-dir", "raftlab-node-2", "--host", "0.0.0.0"],
      ...["--secret-file", secretFile],
    ]);
    expect(fromDns).toEqual(fromPeers);
  });

  it("refuses to listen on 0.0.0.0 without a secret unless --insecure", async () => {
    const io = captureOutput();
    expect(await main(["node", "--cluster-from-dns", "svc:3", "--pod-name", "raftlab-0"])).toBe(64);
    expect(io.err.join("")).toMatch(/--host 0\.0\.0\.0 is not a loopback address/);
    expect(options(["--cluster-from-dns", "svc:3", "--pod-name", "raftlab-0", "--insecure"]).host).toBe("0.0.0.0");
  });

  it("says what to fix, in one line, for conflicting or stray options and a bad pod name", async () => {
    for (const [argv, message] of [
      [["--cluster-from-dns", "svc:3", "--id", "1"], "--id conflicts with --cluster-from-dns"],
      [["--cluster-from-dns", "svc:3", "--peers", "1=a:1:2"], "--peers conflicts with --cluster-from-dns"],
      [["--id", "1", "--peers", "1=a:1:2", "--data-dir", "d", "--pod-name", "x-1"], "--pod-name goes with"],
      [["--cluster-from-dns", "svc:3", "--pod-name", "laptop", "--insecure"], "--cluster-from-dns: the pod name"],
      [["--cluster-from-dns", "svc", "--insecure"], '--cluster-from-dns: "svc" is not DOMAIN:N'],
    ] as const) {
      const io = captureOutput();
      expect(await main(["node", ...argv])).toBe(64);
      vi.restoreAllMocks();
      expect(io.err.join("")).toContain(message);
      expect(io.err.join("")).not.toMatch(/\n\s+at /);
    }
  });
});
