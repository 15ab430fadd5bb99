// PeerTransports on loopback for transport tests, each recording what it receives; `open` collects
// them so that the test's afterEach can close them.

import type { Message, NodeId } from "../../src/core/types.ts";
import { PeerTransport, type PeerTransportOptions } from "../../src/transport/peer-transport.ts";

export const HOST = "127.0.0.1";
export const url = (port: number): string => `ws://${HOST}:${port}`;

export interface TransportNode {
  readonly t: PeerTransport;
  /** Every onMessages call, in order. */
  readonly batches: Message[][];
  readonly received: () => Message[];
}

/** Starts node `selfId` on `port`; `peers` maps each peer's id to its port. */
export type StartNode = (
  selfId: NodeId,
  port: number,
  peers: Record<number, number>,
  extra?: Partial<PeerTransportOptions>,
) => TransportNode;

/** A starter of nodes with `defaults` (overridden per node by `extra`), each pushed onto `open`. */
export const transportNodes =
  (open: PeerTransport[], defaults: Partial<PeerTransportOptions> = {}): StartNode =>
  (selfId, port, peers, extra = {}) => {
    const batches: Message[][] = [];
    const t = new PeerTransport({
      selfId,
      clusterId: "test-cluster",
      host: HOST,
      port,
      peers: new Map(Object.entries(peers).map(([id, p]) => [Number(id), url(p)])),
      onMessages: (msgs) => batches.push(msgs),
      ...defaults,
      ...extra,
    });
    open.push(t);
    return { t, batches, received: () => batches.flat() };
  };
