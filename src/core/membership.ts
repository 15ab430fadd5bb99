// Cluster membership: single-server changes (Raft thesis §4.1; etcd-io/raft confchange/, with
// hashicorp/raft's whole-configuration log entries).
//
// A change adds a learner, promotes a learner to voter, or removes a member, one server at a time:
// any majority of the old voters and any majority of the new ones then share a server, so two
// leaders cannot be elected in one term across the change. A configuration entry carries the whole
// configuration it puts in force, not a delta: a node that never saw the ones before it (one that
// joins a running cluster receives the log without the initial configuration, which is not in it)
// still reads the right one. A configuration is in force from the moment its entry is appended,
// committed or not, so a truncated entry takes its configuration with it: `ConfLog` keeps the
// configuration of every configuration entry in the log for that.

import { type ConfState, type Entry, EntryType, type NodeId } from "./types.ts";

export type ConfChangeOp = "add-learner" | "promote" | "remove";

export interface ConfChange {
  readonly op: ConfChangeOp;
  readonly id: NodeId;
  /** add-learner: the new member's address (opaque to the core; kept in the configuration). */
  readonly address?: string;
}

/** The configuration of a cluster whose voters are `voters` and that has no learners. */
export function initialConf(voters: readonly NodeId[]): ConfState {
  return { voters: [...voters].sort((a, b) => a - b), learners: [], addresses: {} };
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** Every member: the voters, then the learners. */
export function confMembers(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners];
}

/** Whether two configurations name the same voters, learners and addresses. */
export function sameConf(a: ConfState, b: ConfState): boolean {
  if (a === b) return true;
  const sameIds = (x: readonly NodeId[], y: readonly NodeId[]): boolean =>
    x.length === y.length && x.every((id, i) => id === y[i]);
  const ax = Object.entries(a.addresses);
  return (
    sameIds(a.voters, b.voters) &&
    sameIds(a.learners, b.learners) &&
    ax.length === Object.keys(b.addresses).length &&
    ax.every(([id, addr]) => b.addresses[Number(id)] === addr)
  );
}

/** Longest address a configuration carries (its length is a u16 in the encoding). */
export const MAX_ADDRESS_BYTES = 0xffff;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Why `change` cannot be made to `conf`, or null if it can. */
export function checkConfChange(conf: ConfState, change: ConfChange): string | null {
  const { op, id } = change;
  if (!Number.isSafeInteger(id) || id < 1 || id > 0xffff_ffff) return `node id must be a positive integer, got ${id}`;
  switch (op) {
    case "add-learner":
      if (isVoter(conf, id)) return `node ${id} is already a voter`;
      if (conf.learners.includes(id)) return `node ${id} is already a learner`;
      if (utf8.encode(change.address ?? "").length > MAX_ADDRESS_BYTES) {
        return `the address of node ${id} is longer than ${MAX_ADDRESS_BYTES} bytes`;
      }
      return null;
    case "promote":
      if (isVoter(conf, id)) return `node ${id} is already a voter`;
      if (!conf.learners.includes(id)) return `node ${id} is not a learner (add it as a learner first)`;
      return null;
    case "remove":
      if (!isMember(conf, id)) return `node ${id} is not a member`;
      if (conf.voters.length === 1 && conf.voters[0] === id) return `node ${id} is the last voter`;
      return null;
    default:
      return `unknown change ${JSON.stringify(op)}`;
  }
}

const sorted = (ids: readonly NodeId[]): NodeId[] => [...ids].sort((a, b) => a - b);

/** The configuration after `change`, which `checkConfChange` accepted. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const { op, id } = change;
  const without = (ids: readonly NodeId[]): NodeId[] => ids.filter((v) => v !== id);
  switch (op) {
    case "add-learner":
      return {
        voters: conf.voters,
        learners: sorted([...conf.learners, id]),
        addresses: { ...conf.addresses, [id]: change.address ?? "" },
      };
    case "promote":
      return { voters: sorted([...conf.voters, id]), learners: without(conf.learners), addresses: conf.addresses };
    case "remove": {
      const addresses = { ...conf.addresses };
      delete addresses[id];
      return { voters: without(conf.voters), learners: without(conf.learners), addresses };
    }
  }
}

// Encoding (big-endian): voterCount u16, voter u32 × n, learnerCount u16, learner u32 × n,
// addressCount u16, then per address: id u32, length u16, UTF-8 bytes.

export function encodeConfState(conf: ConfState): Uint8Array {
  const addresses = Object.entries(conf.addresses).map(([id, a]) => [Number(id), utf8.encode(a)] as const);
  let size = 6 + 4 * (conf.voters.length + conf.learners.length);
  for (const [, a] of addresses) size += 6 + a.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  for (const ids of [conf.voters, conf.learners]) {
    view.setUint16(p, ids.length);
    p += 2;
    for (const id of ids) {
      view.setUint32(p, id);
      p += 4;
    }
  }
  view.setUint16(p, addresses.length);
  p += 2;
  for (const [id, a] of addresses) {
    view.setUint32(p, id);
    view.setUint16(p + 4, a.length);
    out.set(a, p + 6);
    p += 6 + a.length;
  }
  return out;
}

export class ConfDecodeError extends Error {
  override readonly name = "ConfDecodeError";
}

/**
 * Decodes a configuration, checking it whole: ids positive, none twice, no voter a learner, every
 * address a member's. Throws ConfDecodeError on anything else.
 */
export function decodeConfState(data: Uint8Array): ConfState {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const need = (n: number): void => {
    if (p + n > data.length) throw new ConfDecodeError(`configuration of ${data.length} bytes is cut short`);
  };
  const seen = new Set<NodeId>();
  const ids = (): NodeId[] => {
    need(2);
    const n = view.getUint16(p);
    p += 2;
    need(4 * n);
    const out: NodeId[] = [];
    for (let i = 0; i < n; i++, p += 4) {
      const id = view.getUint32(p);
      if (id === 0 || seen.has(id)) throw new ConfDecodeError(`configuration names node ${id} wrongly`);
      seen.add(id);
      out.push(id);
    }
    return out;
  };
  const voters = ids();
  const learners = ids();
  need(2);
  const count = view.getUint16(p);
  p += 2;
  const addresses: Record<NodeId, string> = {};
  for (let i = 0; i < count; i++) {
    need(6);
    const id = view.getUint32(p);
    const len = view.getUint16(p + 4);
    p += 6;
    need(len);
    if (!seen.has(id) || id in addresses) throw new ConfDecodeError(`configuration has a stray address for ${id}`);
    try {
      addresses[id] = fromUtf8.decode(data.subarray(p, p + len));
    } catch {
      throw new ConfDecodeError(`configuration has an address for ${id} that is not UTF-8`);
    }
    p += len;
  }
  if (p !== data.length) throw new ConfDecodeError(`configuration has ${data.length - p} bytes left over`);
  return { voters, learners, addresses };
}

/** The configuration entry putting `conf` in force at `index` in `term`. */
export function confEntry(index: number, term: number, conf: ConfState): Entry {
  return { index, term, data: encodeConfState(conf), type: EntryType.ConfChange };
}

/** Whether `e` is a configuration entry. */
export function isConfEntry(e: Entry): boolean {
  return e.type === EntryType.ConfChange;
}

interface ConfAt {
  /** The entry that put `conf` in force (or the snapshot's index, or 0 for the initial one). */
  readonly index: number;
  readonly conf: ConfState;
}

/**
 * The configurations of a node's log: the one in force at a base index (a snapshot's, or the
 * initial configuration at 0), then one per configuration entry after it. The latest is in force.
 */
export class ConfLog {
  private base: ConfAt;
  /** Configuration entries after `base`, by ascending index. */
  private later: ConfAt[] = [];

  constructor(conf: ConfState, index: number) {
    this.base = { index, conf };
  }

  /** The configuration in force: the latest in the log. */
  latest(): ConfState {
    return this.latestAt().conf;
  }

  /** The index of the entry that put the latest configuration in force. */
  latestIndex(): number {
    return this.latestAt().index;
  }

  private latestAt(): ConfAt {
    return this.later.length > 0 ? this.later[this.later.length - 1]! : this.base;
  }

  /** The configuration in force once entry `index` is appended (`index` ≥ the base's index). */
  at(index: number): ConfState {
    let found = this.base;
    for (const c of this.later) {
      if (c.index > index) break;
      found = c;
    }
    return found.conf;
  }

  /** `ents` were appended, replacing the log from `ents[0].index` (its configurations too). */
  append(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const from = ents[0]!.index;
    while (this.later.length > 0 && this.later[this.later.length - 1]!.index >= from) this.later.pop();
    for (const e of ents) {
      if (isConfEntry(e)) this.later.push({ index: e.index, conf: decodeConfState(e.data) });
    }
  }

  /** The log was replaced by a snapshot at `index` whose configuration is `conf`. */
  restore(conf: ConfState, index: number): void {
    this.base = { index, conf };
    this.later = [];
  }

  /** Forgets the configurations no index ≥ `index` needs (entries up to it are applied). */
  compactTo(index: number): void {
    while (this.later.length > 0 && this.later[0]!.index <= index) this.base = this.later.shift()!;
  }
}
