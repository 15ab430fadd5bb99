// Prometheus text exposition read back into sample name (with labels) → value.

import type { NodeClient } from "../../src/node/api-client.ts";

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** A peer transport counter (`raftlab_transport{counter="…"}`, src/transport) from a node's /metrics. */
export async function transportCounter(node: NodeClient, counter: string): Promise<number> {
  const value = parseMetrics(await node.metrics()).get(`raftlab_transport{counter="${counter}"}`);
  if (value === undefined) throw new Error(`${node.baseUrl}/metrics has no raftlab_transport{counter="${counter}"}`);
  return value;
}
