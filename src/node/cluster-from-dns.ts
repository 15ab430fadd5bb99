// A cluster described by stable DNS names instead of a file: the shape a Kubernetes StatefulSet
// behind a headless Service gives its pods. Pod `raftlab-2` of set `raftlab` is reachable as
// `raftlab-2.<service domain>`; its ordinal 2 makes it node 3, and the set's size names the others.
//
//   raftlab node --cluster-from-dns raftlab.default.svc.cluster.local:3   (on pod raftlab-2)
//   → nodes 1..3 at raftlab-{0,1,2}.raftlab.default.svc.cluster.local, this one node 3.

import type { MemberAddress } from "./cluster-file.ts";

export const DEFAULT_CLIENT_PORT = 7001;
export const DEFAULT_PEER_PORT = 7101;

/** `DOMAIN:N` of --cluster-from-dns: the headless Service's domain and the number of members. */
export interface DnsClusterName {
  readonly domain: string;
  readonly size: number;
}

/** The members of a cluster named by DNS, and which of them this pod is. */
export interface DnsCluster {
  readonly id: number;
  readonly nodes: readonly MemberAddress[];
}

/** A `--cluster-from-dns` value that is not `DOMAIN:N` or a pod name without an ordinal. */
export class DnsClusterError extends Error {
  override readonly name = "DnsClusterError";
}

const MAX_MEMBERS = 99;
// A DNS name: dot-separated labels of letters, digits and inner hyphens.
const DOMAIN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export function parseDnsClusterName(text: string): DnsClusterName {
  const colon = text.lastIndexOf(":");
  const domain = colon < 0 ? "" : text.slice(0, colon);
  const count = colon < 0 ? "" : text.slice(colon + 1);
  if (!DOMAIN.test(domain) || !/^\d+$/.test(count)) {
    throw new DnsClusterError(
      `"${text}" is not DOMAIN:N (the headless Service's domain and the member count, e.g. raftlab.default.svc.cluster.local:3)`,
    );
  }
  const size = Number(count);
  if (size < 1 || size > MAX_MEMBERS)
    throw new DnsClusterError(`the member count must be 1-${MAX_MEMBERS}, got ${size}`);
  return { domain, size };
}

/**
 * The cluster pod `podName` (`<set>-<ordinal>`, a StatefulSet pod's host name) belongs to: members
 * `<set>-0 … <set>-(N-1)` under `domain`, node id = ordinal + 1, every one on the same two ports.
 */
export function clusterFromDns(
  name: DnsClusterName,
  podName: string,
  ports: { readonly clientPort: number; readonly peerPort: number },
): DnsCluster {
  const m = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?)-(\d+)$/i.exec(podName);
  if (!m) {
    throw new DnsClusterError(
      `the pod name "${podName}" does not end in -ORDINAL (a StatefulSet pod's host name, like raftlab-0); give it with --pod-name`,
    );
  }
  const set = m[1]!;
  const ordinal = Number(m[3]);
  if (ordinal >= name.size) {
    throw new DnsClusterError(
      `pod ${podName} has ordinal ${ordinal}, outside a cluster of ${name.size} (0-${name.size - 1})`,
    );
  }
  const nodes = Array.from({ length: name.size }, (_, k) => ({
    id: k + 1,
    host: `${set}-${k}.${name.domain}`,
    clientPort: ports.clientPort,
    peerPort: ports.peerPort,
  }));
  return { id: ordinal + 1, nodes };
}
