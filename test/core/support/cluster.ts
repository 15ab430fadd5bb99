// N cores wired together by hand, with every step explicit: a test decides when each node handles
// its Ready, when its writes become durable, and which messages are delivered. No clock, no IO.
// Every operation returns the lines it prints, so transcripts show exactly what happened.

import { configFromFlags, type RaftConfig } from "../../../src/core/config.ts";
import { parseFlags } from "../../../src/core/flags.ts";
import type { ConfChangeOp } from "../../../src/core/membership.ts";
import { RawNode } from "../../../src/core/raw-node.ts";
import { EntryType, type Message, type NodeId, type Ready } from "../../../src/core/types.ts";
import { MemLog } from "./mem-log.ts";
import { renderConf, renderEntries, renderMessage, renderReady } from "./render.ts";

const enc = new TextEncoder();

export interface SimNode {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  /** The node's clock (lease reads), if it was given one. */
  readonly now: (() => number) | undefined;
  readonly log: MemLog;
  node: RawNode;
  /** Readies taken but not yet durable. */
  unpersisted: Ready[];
  /** Payloads applied, in order (the state machine of the tests). */
  applied: string[];
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  /** Messages sent and not yet delivered, in send order. */
  net: Message[] = [];
  private readonly isolated = new Set<NodeId>();

  /**
   * Adds `n` nodes (ids continue from the last), all voters of one cluster; `joining` nodes have no
   * configuration instead (they wait to be added to a running cluster); `now` is their clock.
   */
  addNodes(
    n: number,
    opts: { flags?: string; overrides?: Partial<RaftConfig>; joining?: boolean; now?: (id: NodeId) => number } = {},
  ): string[] {
    const start = this.nodes.size + 1;
    const voters = opts.joining ? [] : Array.from({ length: start + n - 1 }, (_, i) => i + 1);
    const out: string[] = [];
    for (let id = start; id < start + n; id++) {
      const cfg = configFromFlags(id, voters, parseFlags(opts.flags ?? "none"), { seed: id, ...opts.overrides });
      const log = new MemLog();
      const clock = opts.now;
      const now = clock && (() => clock(id));
      this.nodes.set(id, { id, cfg, now, log, node: new RawNode(cfg, log, now), unpersisted: [], applied: [] });
      out.push(
        `node ${id}: voters=${voters.join(",")} maxBatchEntries=${cfg.maxBatchEntries} maxInflight=${cfg.maxInflight} parallelAppend=${cfg.parallelAppend} preVote=${cfg.preVote} checkQuorum=${cfg.checkQuorum}`,
      );
    }
    return out;
  }

  get(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  tick(id: NodeId, times = 1): string[] {
    const n = this.get(id);
    for (let i = 0; i < times; i++) n.node.tick();
    return [];
  }

  /** Ticks `id` until its election timeout fires (it has something to send). */
  campaign(id: NodeId): string[] {
    const n = this.get(id);
    if (n.node.hasReady()) throw new Error(`campaign ${id}: process its Ready first`);
    if (n.node.status().role === "leader") throw new Error(`campaign ${id}: already the leader`);
    for (let i = 0; i < 2 * n.cfg.electionTicks; i++) {
      n.node.tick();
      if (n.node.hasReady()) {
        const s = n.node.status();
        return [`${id} is ${s.role} at term ${s.term} after ${i + 1} ticks`];
      }
    }
    throw new Error(`node ${id} did not campaign within ${2 * n.cfg.electionTicks} ticks`);
  }

  propose(id: NodeId, values: string[]): string[] {
    const r = this.get(id).node.propose(values.map((v) => enc.encode(v)));
    return [r.ok ? `ok index=${r.index} term=${r.term}` : `rejected: ${r.reason}`];
  }

  /** Proposes a membership change on `id`. */
  changeConf(id: NodeId, op: ConfChangeOp, target: NodeId, address?: string): string[] {
    const r = this.get(id).node.proposeConfChange({ op, id: target, ...(address ? { address } : {}) });
    if (r.ok) return [`ok index=${r.index} term=${r.term}`];
    return [`rejected: ${r.reason}${"detail" in r ? `: ${r.detail}` : ""}`];
  }

  /** The configuration in force on `id`, and whether its entry is committed. */
  conf(id: NodeId): string[] {
    const s = this.get(id).node.status();
    const state = s.confIndex <= s.commit ? "committed" : "uncommitted";
    return [`${id}: ${renderConf(s.conf)} (index ${s.confIndex}, ${state})`];
  }

  readIndex(id: NodeId, ctx: number): string[] {
    return [this.get(id).node.readIndex(ctx) ? "ok" : "rejected: not leader"];
  }

  /** Takes and advances one Ready: sends `messages`, applies committed entries, keeps writes pending. */
  processReady(id: NodeId): string[] {
    const n = this.get(id);
    if (!n.node.hasReady()) return [];
    const rd = n.node.ready();
    n.node.advance(rd);
    for (const m of rd.messages) this.net.push(m);
    if (rd.snapshot || rd.entries.length > 0 || rd.hardState || rd.persistedMessages.length > 0) {
      n.unpersisted.push(rd);
    }
    if (rd.snapshot) n.applied = [`<snapshot ${rd.snapshot.meta.index}>`];
    for (const e of rd.committedEntries) {
      n.applied.push(e.type === EntryType.ConfChange ? "<conf>" : new TextDecoder().decode(e.data));
    }
    const ce = rd.committedEntries;
    if (ce.length > 0) n.node.onApplied(ce[ce.length - 1]!.index);
    return renderReady(id, rd);
  }

  /** Completes every pending write of `id`, then releases the messages that waited for it. */
  persist(id: NodeId): string[] {
    const n = this.get(id);
    if (n.unpersisted.length === 0) return [];
    const rds = n.unpersisted;
    n.unpersisted = [];
    for (const rd of rds) {
      if (rd.snapshot) n.log.applySnapshot(rd.snapshot);
      n.log.append(rd.entries);
      if (rd.hardState) n.log.setHardState(rd.hardState);
    }
    n.node.onPersisted(rds[rds.length - 1]!.seq);
    const out = [`> ${id} persisted ready ${rds.map((r) => r.seq).join(",")}`];
    for (const rd of rds) {
      for (const m of rd.persistedMessages) {
        this.net.push(m);
        out.push(`  send: ${renderMessage(m)}`);
      }
    }
    return out;
  }

  /**
   * Delivers the queued messages matching the filter (all by default), in order; `drop` discards
   * them instead. Messages to or from an isolated node are dropped.
   */
  deliver(filter: { from?: NodeId; to?: NodeId; drop?: boolean; within?: readonly NodeId[] } = {}): string[] {
    const out: string[] = [];
    const keep: Message[] = [];
    const batch = this.net;
    this.net = [];
    for (const m of batch) {
      const w = filter.within;
      if (
        (filter.from !== undefined && m.from !== filter.from) ||
        (filter.to !== undefined && m.to !== filter.to) ||
        (w !== undefined && !(w.includes(m.from) && w.includes(m.to)))
      ) {
        keep.push(m);
        continue;
      }
      if (filter.drop || this.isolated.has(m.from) || this.isolated.has(m.to)) {
        out.push(`dropped: ${renderMessage(m)}`);
        continue;
      }
      out.push(`deliver: ${renderMessage(m)}`);
      this.get(m.to).node.step(m);
    }
    this.net = keep.concat(this.net);
    return out;
  }

  /** Repeats ready / persist / deliver on `ids` (default all) until nothing changes. */
  stabilize(ids: NodeId[] = this.ids()): string[] {
    const out: string[] = [];
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) {
        while (this.get(id).node.hasReady()) {
          out.push(...this.processReady(id));
          moved = true;
        }
      }
      for (const id of ids) {
        const p = this.persist(id);
        if (p.length > 0) moved = true;
        out.push(...p);
      }
      const inScope = this.net.filter((m) => ids.includes(m.to) && ids.includes(m.from));
      if (inScope.length > 0) {
        out.push(...this.deliver({ within: ids }));
        moved = true;
      }
      if (!moved) return out;
    }
    throw new Error("stabilize: no quiescence after 1000 rounds");
  }

  /** Loses every write of `id` that was not durable and restarts it from its log. */
  crash(id: NodeId): string[] {
    const n = this.get(id);
    const lost = n.unpersisted.length;
    n.unpersisted = [];
    n.node = new RawNode(n.cfg, n.log, n.now);
    n.applied = n.log.snap.meta.index > 0 ? [`<snapshot ${n.log.snap.meta.index}>`] : [];
    const s = n.node.status();
    return [
      `${id} crashed (lost ${lost} unpersisted ready), restarted: term=${s.term} vote=${s.vote} commit=${s.commit} last=${s.lastIndex}`,
    ];
  }

  compact(id: NodeId, index: number): string[] {
    const n = this.get(id);
    n.log.compact(index, enc.encode(`state@${index}`), n.node.confAt(index));
    return [`${id} log now [${n.log.firstIndex()}, ${n.log.lastIndex()}]`];
  }

  isolate(id: NodeId): string[] {
    this.isolated.add(id);
    return [];
  }

  /** Reconnects `id`, or every node. */
  heal(id?: NodeId): string[] {
    if (id === undefined) this.isolated.clear();
    else this.isolated.delete(id);
    return [];
  }

  status(id: NodeId): string[] {
    const s = this.get(id).node.status();
    const out = [
      `${id}: ${s.role} term=${s.term} vote=${s.vote} leader=${s.leader} commit=${s.commit} applied=${s.applied} first=${s.firstIndex} last=${s.lastIndex} stable=${s.stableIndex}`,
    ];
    if (s.progress) {
      for (const [pid, p] of Object.entries(s.progress)) {
        if (Number(pid) !== id) out.push(`  ${pid}: ${p.state} match=${p.match} next=${p.next} inflight=${p.inflight}`);
      }
    }
    return out;
  }

  /** The durable log of `id` and what it applied. */
  logOf(id: NodeId): string[] {
    const n = this.get(id);
    const snap = n.log.snap.meta.index > 0 ? `snapshot ${n.log.snap.meta.term}/${n.log.snap.meta.index}; ` : "";
    return [
      `${id}: ${snap}[${renderEntries(n.log.ents)}] applied=[${n.applied.map((a) => JSON.stringify(a)).join(",")}]`,
    ];
  }
}
