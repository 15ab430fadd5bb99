// The sizes that bound the peer transport's queues and frames, and the largest frame a node can send,
// derived from one set of constants: the receiving side's frame limit is computed here from the same
// numbers the sending side uses, so it always admits the largest message a node can produce.

import { DEFAULTS } from "../core/config.ts";
import type { ConfState, Message } from "../core/types.ts";

/** Bound of a peer's queued backlog (not of one message: a message alone in its queue is always admitted). */
export const MAX_QUEUE_BYTES = 16 << 20;
/** Messages queued together are coalesced into frames of about this size. */
export const FRAME_TARGET_BYTES = 1 << 20;
/** A snapshot travels as chunk frames of at most this many bytes each (header included). */
export const SNAPSHOT_CHUNK_BYTES = 1 << 20;
/** Chunks of one snapshot handed to the socket and not yet written out: the sender's flow-control window. */
export const SNAPSHOT_WINDOW_CHUNKS = 4;

// Upper bounds of the codec's framing (codec.ts): integers are varints of at most 8 bytes.
const VARINT = 8;
/** MAGIC, VERSION, count. */
const FRAME_HEADER_BYTES = 2 + VARINT;
/** type, mask (2 bytes: 9 bits), nine integer fields, and the entries header (count, first, flag). */
const MESSAGE_HEADER_BYTES = 1 + 2 + 9 * VARINT + 2 * VARINT + 1;
/** index, type, term, length. */
const ENTRY_HEADER_BYTES = 3 * VARINT + 1;

/** index, term, the configuration's length and bytes, the data's length (membership.ts encoding). */
function snapshotHeaderBytes(conf: ConfState): number {
  let n = 4 * VARINT + 6 + 4 * (conf.voters.length + conf.learners.length);
  for (const a of Object.values(conf.addresses)) n += 6 + 3 * a.length;
  return n;
}

/** An upper bound of a message's encoded size, for queue accounting and frame splitting. */
export function estimateBytes(m: Message): number {
  let n = MESSAGE_HEADER_BYTES;
  for (const e of m.entries) n += ENTRY_HEADER_BYTES + e.data.length;
  if (m.snapshot !== null) n += snapshotHeaderBytes(m.snapshot.meta.conf) + m.snapshot.data.length;
  return n;
}

export interface FrameSizes {
  /** Largest log entry payload any node of the cluster may propose. */
  readonly maxEntryBytes: number;
  readonly frameTargetBytes: number;
  readonly snapshotChunkBytes: number;
}

/**
 * The largest frame a node sends: coalesced messages stay within the frame target; a single message
 * may exceed it, and the largest one is an AppendEntries of the core's largest batch (at most
 * `maxBatchEntries` entries and max(one entry, `maxBatchBytes`) of payload: the core always sends at
 * least one entry); snapshots never travel whole, only as chunk frames.
 */
export function largestFrameBytes(s: FrameSizes): number {
  const append =
    MESSAGE_HEADER_BYTES +
    DEFAULTS.maxBatchEntries * ENTRY_HEADER_BYTES +
    Math.max(s.maxEntryBytes, DEFAULTS.maxBatchBytes);
  return Math.max(FRAME_HEADER_BYTES + Math.max(s.frameTargetBytes, append), s.snapshotChunkBytes);
}
