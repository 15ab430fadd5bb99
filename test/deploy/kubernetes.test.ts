// deploy/kubernetes/raftlab.yaml is valid against the Kubernetes API schema (offline, with the
// kubernetes-models validators), and the cluster its pods derive from their DNS names is the one a
// cluster file would describe: the same members, ports, and the secret from the Kubernetes Secret.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StatefulSet } from "kubernetes-models/apps/v1";
import { Service } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseNodeOptions } from "../../src/cli/node.ts";
import { formatClusterFile } from "../../src/node/cluster-file.ts";
import type { NodeOptions } from "../../src/server/raft-node.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MANIFEST = path.join(ROOT, "deploy/kubernetes/raftlab.yaml");
const docs = parseAllDocuments(readFileSync(MANIFEST, "utf8")).map((d) => d.toJS() as { kind: string });
const service = new Service(docs.find((d) => d.kind === "Service") as never);
const sts = new StatefulSet(docs.find((d) => d.kind === "StatefulSet") as never);
const container = sts.spec!.template.spec!.containers[0]!;

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-k8s-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secretFile = path.join(dir, "secret");
writeFileSync(secretFile, "0123456789abcdef0123456789abcdef\n");

/** Pod `podName`'s node options: the container's args with Kubernetes' $(VAR) expansion, the secret mounted at `secretFile`. */
function podOptions(podName: string, namespace: string): NodeOptions {
  const secretMount = container.volumeMounts!.find((m) => m.name === "secret")!.mountPath;
  const env: Record<string, string> = { POD_NAME: podName, POD_NAMESPACE: namespace };
  const args = container.args!.map((a) =>
    a.replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? `$(${v})`).replace(secretMount, dir),
  );
  const o = parseNodeOptions(args);
  if (o === "help") throw new Error("help");
  return o;
}

describe("deploy/kubernetes/raftlab.yaml", () => {
  it("holds a headless Service and a StatefulSet that the API schema accepts", () => {
    expect(docs.map((d) => d.kind)).toEqual(["Service", "StatefulSet"]);
    service.validate();
    sts.validate();
    expect(service.spec!.clusterIP).toBe("None");
    expect(sts.spec!.serviceName).toBe(service.metadata!.name);
  });

  it("is checked by a validator that does reject a broken object", () => {
    const broken = new StatefulSet({
      ...(sts.toJSON() as object),
      spec: { ...sts.spec!, replicas: "three" as never },
    } as never);
    expect(() => broken.validate()).toThrow(/replicas/);
  });

  it("makes every pod the node of its ordinal, with the members a cluster file would list", () => {
    const n = sts.spec!.replicas!;
    const pods = Array.from({ length: n }, (_, k) => podOptions(`${sts.metadata!.name}-${k}`, "lab"));
    expect(pods.map((o) => o.id)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    const port = (name: string) => container.ports!.find((p) => p.name === name)!.containerPort;
    const expected = formatClusterFile({
      nodes: Array.from({ length: n }, (_, k) => ({
        id: k + 1,
        host: `${sts.metadata!.name}-${k}.${service.metadata!.name}.lab.svc.cluster.local`,
        clientPort: port("client"),
        peerPort: port("peer"),
      })),
      flags: null,
      secretFile: null,
    });
    for (const o of pods) {
      expect(formatClusterFile({ nodes: o.peers, flags: null, secretFile: null })).toBe(expected);
      expect(o.secret).toBe("0123456789abcdef0123456789abcdef");
      expect(o.host).toBe("0.0.0.0");
      expect(o.admin).toBe(true);
    }
  });

  it("keeps each node's log on its claim and probes /status on the client port", () => {
    const data = container.volumeMounts!.find((m) => m.name === "data")!;
    expect(sts.spec!.volumeClaimTemplates!.map((c) => c.metadata!.name)).toEqual([data.name]);
    expect(podOptions(`${sts.metadata!.name}-0`, "lab").dataDir).toBe(data.mountPath);
    for (const probe of [container.readinessProbe!, container.livenessProbe!]) {
      expect(probe.httpGet).toMatchObject({ path: "/status", port: "client" });
    }
    expect(service.spec!.ports!.map((p) => [p.name, p.port])).toEqual(
      container.ports!.map((p) => [p.name, p.containerPort]),
    );
    const secret = sts.spec!.template.spec!.volumes!.find((v) => v.name === "secret")!;
    expect(secret.secret!.secretName).toBe("raftlab-secret");
  });
});
