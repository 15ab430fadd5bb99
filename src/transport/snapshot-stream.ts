// Snapshots on the wire: the sending half cuts one MsgSnap into bounded chunk frames, the receiving
// half puts them back together and hands on one MsgSnap once it is complete and verified.
//
// Why here and not in the core: the core keeps one logical MsgSnap (and its retry after an
// unanswered election timeout), as etcd-io/raft does, whose MsgSnap is streamed by a separate
// snapshot sender in the transport (rafthttp); tikv/raft-rs likewise leaves chunking to TiKV's
// snapshot service. Chunks are a matter of frame sizes and flow control, which only the transport
// knows, and the core (with the simulator that runs it) stays pure and unchanged.
//
// Flow control: at most SNAPSHOT_WINDOW_CHUNKS chunks of one snapshot are queued or in the socket's
// buffer at a time; the next chunk is cut when one has been written out, so TCP's back-pressure paces
// the stream and a large snapshot never holds more than the window in memory as frames.
//
// Receiving: one snapshot is assembled at a time. A chunk at offset 0 starts a new assembly (a newer
// snapshot, a re-send, or a new leader's; never one from an older term than the current assembly),
// discarding any partial one; a chunk of the current snapshot at the wrong offset (a chunk was lost
// with a connection) discards it; a chunk of any other snapshot is ignored. The result must have the
// announced size and CRC-32, or it is discarded. Partial assemblies live in memory only, so a restart
// discards them too.

import { crc32 } from "node:zlib";
import { makeMessage } from "../core/message.ts";
import { type Message, MessageType, type NodeId } from "../core/types.ts";
import { chunkHeaderBytes, type SnapshotChunk } from "./codec.ts";

/** One snapshot being cut into chunks for one peer. */
export class OutgoingSnapshot {
  /** Chunks taken by `next()` and not yet reported written by `written()`. */
  private inflight = 0;
  private offset = 0;
  private started = false;
  private readonly data: Uint8Array;
  private readonly crc: number;
  private readonly payloadBytes: number;

  constructor(
    /** The core's MsgSnap. */
    readonly msg: Message,
    chunkBytes: number,
    private readonly window: number,
  ) {
    const snap = msg.snapshot!;
    this.data = snap.data;
    this.crc = crc32(snap.data);
    const header = chunkHeaderBytes({ ...this.chunkAt(0, 0), offset: snap.data.length }, chunkBytes);
    if (chunkBytes - header < 1024)
      throw new RangeError(`snapshot chunks of ${chunkBytes} bytes leave no room for data`);
    this.payloadBytes = chunkBytes - header;
  }

  /** The next chunk to send, or null while the window is full or once every chunk has been taken. */
  next(): SnapshotChunk | null {
    if (this.inflight >= this.window || (this.started && this.offset >= this.data.length)) return null;
    const chunk = this.chunkAt(this.offset, Math.min(this.payloadBytes, this.data.length - this.offset));
    this.started = true;
    this.offset += chunk.data.length;
    this.inflight++;
    return chunk;
  }

  /** A chunk has been written out. Returns true once the whole snapshot has been. */
  written(): boolean {
    this.inflight--;
    return this.inflight === 0 && this.started && this.offset >= this.data.length;
  }

  private chunkAt(offset: number, length: number): SnapshotChunk {
    const { from, to, term } = this.msg;
    const meta = this.msg.snapshot!.meta;
    return {
      from,
      to,
      term,
      meta,
      total: this.data.length,
      offset,
      crc: this.crc,
      data: this.data.subarray(offset, offset + length),
    };
  }
}

interface Assembly {
  readonly first: SnapshotChunk;
  readonly parts: Uint8Array[];
  received: number;
}

function sameSnapshot(a: SnapshotChunk, b: SnapshotChunk): boolean {
  return (
    a.from === b.from &&
    a.term === b.term &&
    a.meta.index === b.meta.index &&
    a.meta.term === b.meta.term &&
    a.total === b.total &&
    a.crc === b.crc
  );
}

/** Puts chunks back together into MsgSnaps (one snapshot at a time). */
export class SnapshotAssembler {
  private current: Assembly | null = null;
  /** Complete, verified snapshots handed on. */
  received = 0;
  /** Partial or corrupt snapshots thrown away. */
  discarded = 0;
  /** Chunks that belonged to no snapshot being assembled. */
  strayChunks = 0;

  /** Takes one chunk; returns the whole MsgSnap once its last chunk is in and it checks out. */
  add(c: SnapshotChunk): Message | null {
    const cur = this.current;
    if (c.offset === 0) {
      if (cur !== null && c.term < cur.first.term) {
        this.strayChunks++;
        return null;
      }
      if (cur !== null) this.discarded++;
      this.current = { first: c, parts: [], received: 0 };
    } else if (cur === null || !sameSnapshot(cur.first, c)) {
      this.strayChunks++;
      return null;
    } else if (c.offset !== cur.received) {
      this.discard();
      return null;
    }
    const a = this.current!;
    // Copied: the chunk is a view into a frame buffer that lives only as long as the frame.
    a.parts.push(c.data.slice());
    a.received += c.data.length;
    return a.received === c.total ? this.finish(a) : null;
  }

  /** Drops a partial snapshot from `peer` (its connection closed, so its stream cannot go on). */
  discardFrom(peer: NodeId): void {
    if (this.current?.first.from === peer) this.discard();
  }

  private discard(): void {
    this.current = null;
    this.discarded++;
  }

  private finish(a: Assembly): Message | null {
    this.current = null;
    const data = a.parts.length === 1 ? a.parts[0]! : Buffer.concat(a.parts);
    if (crc32(data) !== a.first.crc) {
      this.discarded++;
      return null;
    }
    this.received++;
    const { from, to, term, meta } = a.first;
    return makeMessage({ type: MessageType.Snap, from, to, term, snapshot: { meta, data } });
  }
}
