// Peer messaging over WebSockets. Each node serves its peers with uWebSockets.js (route `/raft`)
// and dials every peer with `ws`; a connection carries messages one way only, dialer → server, so
// each pair of nodes holds two connections and every outbound path is a socket this node dialed.
//
// Handshake (peer-auth.ts): the dialer fetches a challenge and opens the WebSocket with an HMAC of
// the shared secret over it, its id, the server's id and the cluster id. The server upgrades only a
// configured peer that proves the secret; anything else gets the same HTTP 403, which names nothing,
// and is counted (`stats().refusedHandshakes`; the dialer counts `refusedByPeer` and keeps retrying
// with backoff, since the other side may be reconfigured). Only a proven connection can carry frames,
// and only a proven connection from peer P replaces P's older one (a restarted peer may redial
// before its old, half-dead connection is noticed).
//
// Sending: `send` routes each message by `to` through the link shaper into that peer's queue.
// A queue is flushed once per event-loop turn (setImmediate, so everything produced while handling
// one poll phase's I/O goes together) as few frames as possible: one frame unless the batch is
// larger than `maxFrameBytes`. Back-pressure: while the socket's bufferedAmount is over
// `highWaterBytes` the queue is held and flushed again when a write completes. Bound: a queue's
// backlog holds at most `maxQueueBytes` (estimated encoded size); messages beyond it are dropped
// (tail drop) and counted. A message alone in an empty queue is always admitted, whatever its size:
// the bound limits backlog, and a message too large for it would otherwise be dropped on every retry.
// Raft tolerates loss: a dropped AppendEntries is retried, a dropped vote times out.
// A MsgSnap never goes whole: it is streamed as chunk frames of `snapshotChunkBytes`, a few at a time,
// and reassembled on the other side (snapshot-stream.ts); one snapshot streams per peer at a time.
// Messages queue while the peer's connection is being set up; when a dial fails or a connection
// closes, the queue is discarded, and messages sent while waiting to redial are dropped (both
// counted in `droppedDisconnected`), so a peer coming back gets no burst of stale messages. A peer
// that is down costs a reconnect timer, never a blocked send to anyone else.
//
// Reconnect: exponential backoff from `reconnectBaseMs` doubling to `reconnectMaxMs` (1 s), each
// wait drawn uniformly from [d/2, d) so peers that went down together do not redial in lock-step.
//
// Receiving: a frame is copied once out of uWS's buffer (uWS neuters it after the callback),
// decoded (payloads stay views into that copy) and handed to `onMessages`. A frame that does not
// decode, or holds a message not addressed to this node or not from the connected peer, is
// dropped whole and counted in `badFrames`. Frames larger than the largest one a node sends
// (frame-limits.ts) are refused by both WebSocket libraries.

import WebSocket from "ws";
import { DEFAULTS } from "../core/config.ts";
import { type Message, MessageType, type NodeId } from "../core/types.ts";
import {
  CodecError,
  decodeMessages,
  decodeSnapshotChunk,
  encodeMessages,
  encodeSnapshotChunk,
  isSnapshotChunkFrame,
} from "./codec.ts";
import {
  estimateBytes,
  FRAME_TARGET_BYTES,
  largestFrameBytes,
  MAX_QUEUE_BYTES,
  SNAPSHOT_CHUNK_BYTES,
  SNAPSHOT_WINDOW_CHUNKS,
} from "./frame-limits.ts";
import { type LinkSettings, LinkShaper } from "./link-shaper.ts";
import {
  CHALLENGE_PATH,
  ChallengeBook,
  FROM_HEADER,
  handshakeHeaders,
  NONCE_HEADER,
  PROOF_HEADER,
  REFUSAL_BODY,
} from "./peer-auth.ts";
import { OutgoingSnapshot, SnapshotAssembler } from "./snapshot-stream.ts";
import { listenExclusive, type WebSocket as UwsSocket, type us_listen_socket, uws } from "./uws.ts";

export const PEER_PATH = "/raft";
/** How long a dial may take to get a challenge, and then to complete the WebSocket upgrade. */
const HANDSHAKE_TIMEOUT_MS = 1000;

export interface PeerTransportOptions {
  readonly selfId: NodeId;
  /** Peers must present the same id; keeps stray nodes of another cluster out. */
  readonly clusterId: string;
  /** The cluster's shared secret peers must prove; null or absent: none (any local process can connect). */
  readonly secret?: string | null;
  /** Address to serve peers on. */
  readonly host: string;
  /** Port to serve peers on; 0 picks a free one (see `port()`). */
  readonly port: number;
  /** Every peer (not this node): id → base URL of its peer server, e.g. `ws://127.0.0.1:7101`. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** Receives every well-formed inbound frame's messages, in order. */
  readonly onMessages: (msgs: Message[]) => void;
  /** Link shaping for outbound messages; the transport owns it (clears it on close). */
  readonly shaper?: LinkShaper;
  /** Connection events, for the node's log. */
  readonly log?: (line: string) => void;
  /**
   * Largest log entry payload any node of the cluster may propose; with the other sizes it sets the
   * largest inbound frame accepted (frame-limits.ts). Default: the core's default `maxEntryBytes`.
   */
  readonly maxEntryBytes?: number;
  /** Bound of a peer's queued backlog; default 16 MiB. */
  readonly maxQueueBytes?: number;
  /** Default 4 MiB. */
  readonly highWaterBytes?: number;
  /** Default 1 MiB; a single larger message (a large AppendEntries) still goes as one frame. */
  readonly maxFrameBytes?: number;
  /** Size of a snapshot chunk frame; default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /** Default 25 ms. */
  readonly reconnectBaseMs?: number;
  /** Default 1000 ms. */
  readonly reconnectMaxMs?: number;
}

export interface PeerStats {
  readonly id: NodeId;
  readonly connected: boolean;
  /** This peer has a connection open to us (the direction it sends on). */
  readonly inbound: boolean;
  readonly queuedMessages: number;
  readonly bufferedBytes: number;
  readonly connects: number;
}

export interface TransportStats {
  readonly sentMessages: number;
  readonly sentFrames: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedFrames: number;
  readonly receivedBytes: number;
  /** Inbound frames dropped: undecodable, or a message not addressed to us / not from the connected peer. */
  readonly badFrames: number;
  /** Outbound messages dropped because the peer's queue was over `maxQueueBytes`. */
  readonly droppedQueueFull: number;
  /** Outbound messages discarded because the peer's connection failed or closed. */
  readonly droppedDisconnected: number;
  /** Outbound messages to an id that is not a configured peer. */
  readonly droppedUnroutable: number;
  readonly droppedPartition: number;
  readonly droppedLoss: number;
  /** Inbound handshakes this node refused (no proof of the secret, wrong cluster id, unknown peer id). */
  readonly refusedHandshakes: number;
  /** Dials a peer refused. */
  readonly refusedByPeer: number;
  /** Snapshots whose every chunk was written out to the peer's socket. */
  readonly snapshotsSent: number;
  readonly snapshotChunksSent: number;
  /** A MsgSnap for a peer that already has one streaming (the core's retry): not restarted. */
  readonly snapshotsBusy: number;
  /** Snapshots whose stream the peer's connection closed under. */
  readonly snapshotsAborted: number;
  /** Complete, verified snapshots received. */
  readonly snapshotsReceived: number;
  /** Received partial or corrupt snapshots thrown away. */
  readonly snapshotsDiscarded: number;
  /** Received chunks that belonged to no snapshot being assembled. */
  readonly snapshotStrayChunks: number;
  readonly peers: readonly PeerStats[];
}

interface InboundData {
  readonly peer: NodeId;
}

/** A snapshot chunk, encoded, waiting in a peer's queue; it always goes as a frame of its own. */
interface ChunkFrame {
  readonly frame: Uint8Array;
  readonly snapshot: OutgoingSnapshot;
}

type Queued = Message | ChunkFrame;

const isChunk = (q: Queued): q is ChunkFrame => "frame" in q;

class OutboundPeer {
  /** A dial is under way or its connection is up (until either fails or closes): messages queue. */
  active = false;
  socket: WebSocket | null = null;
  open = false;
  queue: Queued[] = [];
  queuedBytes = 0;
  /** The snapshot streaming to this peer, if any. */
  snapshot: OutgoingSnapshot | null = null;
  attempts = 0;
  connects = 0;
  reconnectTimer: NodeJS.Timeout | null = null;
  /** Replaced by a peer of another address (setPeer): it neither dials nor redials any more. */
  retired = false;
  constructor(
    readonly id: NodeId,
    readonly url: string,
  ) {}
}

export class PeerTransport {
  private readonly opts: PeerTransportOptions;
  private readonly shaper: LinkShaper;
  private readonly outbound = new Map<NodeId, OutboundPeer>();
  private readonly inbound = new Map<NodeId, UwsSocket<InboundData>>();
  private readonly dirty = new Set<OutboundPeer>();
  private readonly challenges: ChallengeBook;
  private flushImmediate: NodeJS.Immediate | null = null;
  private listenSocket: us_listen_socket | null = null;
  private listenPort = 0;
  private closed = false;
  /** Cancels challenge requests in flight on close. */
  private readonly aborter = new AbortController();
  private readonly maxQueueBytes: number;
  private readonly highWaterBytes: number;
  private readonly maxFrameBytes: number;
  private readonly snapshotChunkBytes: number;
  private readonly largestFrameBytes: number;
  private readonly assembler = new SnapshotAssembler();
  private readonly counters = {
    sentMessages: 0,
    sentFrames: 0,
    sentBytes: 0,
    receivedMessages: 0,
    receivedFrames: 0,
    receivedBytes: 0,
    badFrames: 0,
    droppedQueueFull: 0,
    droppedDisconnected: 0,
    droppedUnroutable: 0,
    refusedHandshakes: 0,
    refusedByPeer: 0,
    snapshotsSent: 0,
    snapshotChunksSent: 0,
    snapshotsBusy: 0,
    snapshotsAborted: 0,
  };

  constructor(opts: PeerTransportOptions) {
    if (opts.peers.has(opts.selfId)) throw new Error(`peers must not include this node (${opts.selfId})`);
    this.opts = opts;
    this.shaper = opts.shaper ?? new LinkShaper();
    this.maxQueueBytes = opts.maxQueueBytes ?? MAX_QUEUE_BYTES;
    this.highWaterBytes = opts.highWaterBytes ?? 4 * 1024 * 1024;
    this.maxFrameBytes = opts.maxFrameBytes ?? FRAME_TARGET_BYTES;
    this.snapshotChunkBytes = opts.snapshotChunkBytes ?? SNAPSHOT_CHUNK_BYTES;
    this.largestFrameBytes = largestFrameBytes({
      maxEntryBytes: opts.maxEntryBytes ?? DEFAULTS.maxEntryBytes,
      frameTargetBytes: this.maxFrameBytes,
      snapshotChunkBytes: this.snapshotChunkBytes,
    });
    for (const [id, url] of opts.peers) this.outbound.set(id, new OutboundPeer(id, url));
    this.challenges = new ChallengeBook(this.credentials(), opts.selfId, (id) => this.outbound.has(id));
  }

  /** Starts serving peers and dialing them. Resolves once listening; rejects if the port is taken. */
  async start(): Promise<void> {
    const app = uws.App().ws<InboundData>(PEER_PATH, {
      maxPayloadLength: this.largestFrameBytes,
      idleTimeout: 0,
      compression: uws.DISABLED,
      upgrade: (res, req, context) => {
        const key = req.getHeader("sec-websocket-key");
        const protocol = req.getHeader("sec-websocket-protocol");
        const extensions = req.getHeader("sec-websocket-extensions");
        const from = this.challenges.verify({
          from: req.getHeader(FROM_HEADER),
          nonce: req.getHeader(NONCE_HEADER),
          proof: req.getHeader(PROOF_HEADER),
        });
        if (typeof from !== "number") {
          this.counters.refusedHandshakes++;
          this.log(`refused a peer connection: ${from.refused}`);
          res.writeStatus("403 Forbidden").end(REFUSAL_BODY, true);
          return;
        }
        res.upgrade<InboundData>({ peer: from }, key, protocol, extensions, context);
      },
      open: (ws) => {
        const peer = ws.getUserData().peer;
        // Only proven connections get here: a peer that restarted may redial before its old
        // connection is noticed as dead, and its new one wins.
        this.inbound.get(peer)?.end(4000, "replaced by a new connection");
        this.inbound.set(peer, ws);
      },
      message: (ws, data) => this.receive(ws.getUserData().peer, new Uint8Array(data.slice(0))),
      close: (ws) => {
        const peer = ws.getUserData().peer;
        if (this.inbound.get(peer) !== ws) return;
        this.inbound.delete(peer);
        this.assembler.discardFrom(peer);
      },
    });
    // Challenges are tiny GETs; any other request (a body, another path) is closed unread.
    app.get(CHALLENGE_PATH, (res, req) => {
      if (req.getHeader("content-length") !== "" || req.getHeader("transfer-encoding") !== "") {
        res.writeStatus("400 Bad Request").end("", true);
        return;
      }
      res.writeHeader("cache-control", "no-store").end(this.challenges.issue());
    });
    app.any("/*", (res) => void res.writeStatus("404 Not Found").end("", true));
    this.listenSocket = await listenExclusive(app, this.opts.host, this.opts.port).catch((err: Error) => {
      throw new Error(`peer transport of node ${this.opts.selfId}: ${err.message}`);
    });
    this.listenPort = uws.us_socket_local_port(this.listenSocket as never);
    for (const peer of this.outbound.values()) this.dial(peer);
  }

  /**
   * Makes `id` a peer at `url` (a member added at run time, or one that moved): it is dialed, and
   * its connections are accepted, from now on. A peer already at `url` is left alone.
   */
  setPeer(id: NodeId, url: string): void {
    if (id === this.opts.selfId || this.closed) return;
    const known = this.outbound.get(id);
    if (known?.url === url) return;
    if (known) {
      known.retired = true;
      if (known.reconnectTimer !== null) clearTimeout(known.reconnectTimer);
      known.socket?.terminate();
      this.dirty.delete(known);
    }
    const peer = new OutboundPeer(id, url);
    this.outbound.set(id, peer);
    this.log(`peer ${id} is at ${url}`);
    if (this.listenSocket !== null) this.dial(peer);
  }

  /** The port peers are served on (useful with `port: 0`). */
  port(): number {
    return this.listenPort;
  }

  /** Sends each message to `msg.to`, through the link shaper and that peer's queue. Never blocks. */
  send(msgs: readonly Message[]): void {
    if (this.closed) return;
    for (const m of msgs) {
      const peer = this.outbound.get(m.to);
      if (peer === undefined) {
        this.counters.droppedUnroutable++;
        continue;
      }
      this.shaper.shape(m.to, () => this.enqueue(peer, m));
    }
  }

  /** Changes link shaping on the links to `to` (all links when omitted); see LinkShaper.set. */
  setLinks(change: Partial<LinkSettings>, to?: readonly NodeId[]): void {
    this.shaper.set(change, to);
  }

  links(): ReturnType<LinkShaper["snapshot"]> {
    return this.shaper.snapshot();
  }

  stats(): TransportStats {
    const shaped = this.shaper.stats();
    return {
      ...this.counters,
      snapshotsReceived: this.assembler.received,
      snapshotsDiscarded: this.assembler.discarded,
      snapshotStrayChunks: this.assembler.strayChunks,
      droppedPartition: shaped.droppedPartition,
      droppedLoss: shaped.droppedLoss,
      peers: [...this.outbound.values()].map((p) => ({
        id: p.id,
        connected: p.open,
        inbound: this.inbound.has(p.id),
        queuedMessages: p.queue.length,
        bufferedBytes: p.socket?.bufferedAmount ?? 0,
        connects: p.connects,
      })),
    };
  }

  /** Closes the listener and every socket and cancels timers, so the process can exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shaper.clear();
    this.aborter.abort();
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate);
    if (this.listenSocket !== null) uws.us_listen_socket_close(this.listenSocket);
    for (const ws of [...this.inbound.values()]) ws.close();
    this.inbound.clear();
    const closing: Promise<void>[] = [];
    for (const peer of this.outbound.values()) {
      if (peer.reconnectTimer !== null) clearTimeout(peer.reconnectTimer);
      const socket = peer.socket;
      if (socket !== null && socket.readyState !== WebSocket.CLOSED) {
        closing.push(new Promise((resolve) => socket.once("close", () => resolve())));
        socket.terminate();
      }
    }
    await Promise.all(closing);
  }

  private credentials(): { clusterId: string; secret: string | null } {
    return { clusterId: this.opts.clusterId, secret: this.opts.secret ?? null };
  }

  private receive(peer: NodeId, frame: Uint8Array): void {
    if (this.closed) return;
    this.counters.receivedFrames++;
    this.counters.receivedBytes += frame.length;
    if (isSnapshotChunkFrame(frame)) return this.receiveChunk(peer, frame);
    let msgs: Message[];
    try {
      msgs = decodeMessages(frame);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.counters.badFrames++;
      return;
    }
    for (const m of msgs) {
      if (m.to !== this.opts.selfId || m.from !== peer) {
        this.counters.badFrames++;
        return;
      }
    }
    this.counters.receivedMessages += msgs.length;
    this.opts.onMessages(msgs);
  }

  private receiveChunk(peer: NodeId, frame: Uint8Array): void {
    let chunk: ReturnType<typeof decodeSnapshotChunk>;
    try {
      chunk = decodeSnapshotChunk(frame);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.counters.badFrames++;
      return;
    }
    if (chunk.to !== this.opts.selfId || chunk.from !== peer) {
      this.counters.badFrames++;
      return;
    }
    const snap = this.assembler.add(chunk);
    if (snap === null) return;
    this.counters.receivedMessages++;
    this.opts.onMessages([snap]);
  }

  private dial(peer: OutboundPeer): void {
    if (this.closed || peer.retired) return;
    peer.reconnectTimer = null;
    peer.active = true;
    handshakeHeaders(
      peer.url,
      this.credentials(),
      this.opts.selfId,
      peer.id,
      HANDSHAKE_TIMEOUT_MS,
      this.aborter.signal,
    ).then(
      (headers) => this.connect(peer, headers),
      (err: Error) => this.lost(peer, err.message),
    );
  }

  /** Opens the WebSocket of a dial, authenticated by the answered challenge in `headers`. */
  private connect(peer: OutboundPeer, headers: Record<string, string>): void {
    if (this.closed || peer.retired) return;
    const socket = new WebSocket(`${peer.url}${PEER_PATH}`, {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: this.largestFrameBytes,
    });
    peer.socket = socket;
    let down = false;
    const onDown = (why: string): void => {
      if (down) return;
      down = true;
      this.lost(peer, why);
    };
    socket.on("open", () => {
      peer.open = true;
      peer.attempts = 0;
      peer.connects++;
      this.log(`connected to peer ${peer.id} at ${peer.url}`);
      if (peer.queue.length > 0) this.markDirty(peer);
    });
    socket.on("unexpected-response", (req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 1024) body += chunk;
      });
      res.on("end", () => {
        this.counters.refusedByPeer++;
        // The answer names nothing by design; the usual causes are on this side.
        this.log(
          `peer ${peer.id} refused the connection (${res.statusCode} ${body}): check that both use the same --secret-file and --cluster-id`,
        );
        req.destroy();
        onDown(`refused (${res.statusCode})`);
      });
    });
    socket.on("error", (err) => onDown(err.message));
    socket.on("close", (code, reason) => onDown(`code ${code} ${reason.toString()}`));
  }

  /** A dial failed or its connection closed: discard the queue and redial later. */
  private lost(peer: OutboundPeer, why: string): void {
    const wasOpen = peer.open;
    peer.active = false;
    peer.open = false;
    peer.socket = null;
    this.counters.droppedDisconnected += peer.queue.filter((q) => !isChunk(q)).length;
    peer.queue = [];
    peer.queuedBytes = 0;
    if (peer.snapshot !== null) {
      // Its remaining chunks cannot follow on a new connection; the core sends the snapshot again.
      peer.snapshot = null;
      this.counters.snapshotsAborted++;
    }
    if (wasOpen) this.log(`connection to peer ${peer.id} closed: ${why}`);
    if (!this.closed && !peer.retired) this.scheduleReconnect(peer);
  }

  private scheduleReconnect(peer: OutboundPeer): void {
    const base = this.opts.reconnectBaseMs ?? 25;
    const max = this.opts.reconnectMaxMs ?? 1000;
    const ceiling = Math.min(max, base * 2 ** peer.attempts);
    peer.attempts = Math.min(peer.attempts + 1, 30);
    const wait = ceiling / 2 + (Math.random() * ceiling) / 2;
    peer.reconnectTimer = setTimeout(() => this.dial(peer), wait);
  }

  private enqueue(peer: OutboundPeer, m: Message): void {
    if (this.closed) return;
    if (!peer.active) {
      this.counters.droppedDisconnected++;
      return;
    }
    if (m.type === MessageType.Snap && m.snapshot !== null) return this.startSnapshot(peer, m);
    const bytes = estimateBytes(m);
    if (peer.queue.length > 0 && peer.queuedBytes + bytes > this.maxQueueBytes) {
      this.counters.droppedQueueFull++;
      return;
    }
    peer.queue.push(m);
    peer.queuedBytes += bytes;
    if (peer.open) this.markDirty(peer);
  }

  /**
   * Streams a MsgSnap unless one is already streaming to this peer in the same term: the core sends
   * its snapshot again after an election timeout without an answer, and restarting a large transfer
   * on every retry would never finish it. A snapshot from a newer term (a new leadership) replaces it.
   */
  private startSnapshot(peer: OutboundPeer, m: Message): void {
    if (peer.snapshot !== null && peer.snapshot.msg.term >= m.term) {
      this.counters.snapshotsBusy++;
      return;
    }
    peer.snapshot = new OutgoingSnapshot(m, this.snapshotChunkBytes, SNAPSHOT_WINDOW_CHUNKS);
    this.queueChunks(peer);
  }

  /** Queues the streaming snapshot's next chunks, as many as its window allows. */
  private queueChunks(peer: OutboundPeer): void {
    const snapshot = peer.snapshot;
    if (snapshot === null) return;
    // Chunks bypass the backlog bound: the window already bounds them.
    for (let c = snapshot.next(); c !== null; c = snapshot.next()) {
      const frame = encodeSnapshotChunk(c);
      peer.queue.push({ frame, snapshot });
      peer.queuedBytes += frame.length;
    }
    if (peer.open) this.markDirty(peer);
  }

  private chunkWritten(peer: OutboundPeer, snapshot: OutgoingSnapshot): void {
    const done = snapshot.written();
    if (peer.snapshot !== snapshot) return;
    if (!done) return this.queueChunks(peer);
    peer.snapshot = null;
    this.counters.snapshotsSent++;
  }

  private markDirty(peer: OutboundPeer): void {
    this.dirty.add(peer);
    this.flushImmediate ??= setImmediate(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.flushImmediate = null;
    const peers = [...this.dirty];
    this.dirty.clear();
    for (const peer of peers) this.flush(peer);
  };

  private flush(peer: OutboundPeer): void {
    const socket = peer.socket;
    if (!peer.open || socket === null || peer.queue.length === 0) return;
    // Held: the write callback below flushes again once the socket drains.
    if (socket.bufferedAmount > this.highWaterBytes) return;
    const queue = peer.queue;
    peer.queue = [];
    peer.queuedBytes = 0;
    const written = (): void => {
      if (peer.queue.length > 0 && peer.socket === socket) this.markDirty(peer);
    };
    let start = 0;
    while (start < queue.length) {
      const head = queue[start]!;
      if (isChunk(head)) {
        this.counters.snapshotChunksSent++;
        this.countFrame(head.frame);
        socket.send(head.frame, { binary: true }, () => {
          this.chunkWritten(peer, head.snapshot);
          written();
        });
        start++;
        continue;
      }
      // Messages up to the frame target together; one larger message alone.
      let end = start + 1;
      let bytes = estimateBytes(head);
      for (let next = queue[end]; next !== undefined && !isChunk(next); next = queue[++end]) {
        bytes += estimateBytes(next);
        if (bytes > this.maxFrameBytes) break;
      }
      const msgs = (start === 0 && end === queue.length ? queue : queue.slice(start, end)) as Message[];
      const frame = encodeMessages(msgs);
      this.counters.sentMessages += msgs.length;
      this.countFrame(frame);
      socket.send(frame, { binary: true }, written);
      start = end;
    }
  }

  private countFrame(frame: Uint8Array): void {
    this.counters.sentFrames++;
    this.counters.sentBytes += frame.length;
  }

  private log(line: string): void {
    this.opts.log?.(`transport[${this.opts.selfId}]: ${line}`);
  }
}
