// The driver knows its state machine only through the StateMachine interface: a single-voter node
// runs with the key-value machine and with the no-op machine, under no flags and all four: proposals
// come back with the machine's own results, reads see the applied state, and the log is compacted
// into the machine's snapshot.

import { describe, expect, it } from "vitest";
import { configFromFlags, type RaftConfig } from "../../src/core/config.ts";
import { type Flags, parseFlags } from "../../src/core/flags.ts";
import { RawNode } from "../../src/core/raw-node.ts";
import { loopApplier } from "../../src/node/appliers.ts";
import { type ProposalOutcome, RaftDriver } from "../../src/node/driver.ts";
import { type ApplyResult, encodeCommand } from "../../src/node/kv-command.ts";
import { KvStateMachine } from "../../src/node/kv-state-machine.ts";
import { NoopStateMachine, type StateMachine } from "../../src/node/state-machine.ts";
import { MemoryStore } from "../../src/storage/memory-store.ts";
import { waitUntil } from "../support/wait.ts";

const utf8 = new TextEncoder();
const SNAPSHOT_EVERY = 4;

/** A single-voter node driving `sm`, elected leader. */
async function leaderWith<R>(
  sm: StateMachine<R>,
  flags: string,
): Promise<{ driver: RaftDriver<R>; store: MemoryStore }> {
  const store = new MemoryStore(setImmediate);
  const f = parseFlags(flags);
  const configFor = (flags: Flags): RaftConfig => configFromFlags(1, [1], flags, { seed: 7 });
  const driver = new RaftDriver<R>({
    core: new RawNode(configFor(f), store),
    store,
    flags: f,
    configFor,
    stateMachine: sm,
    send: () => {},
    asyncApplier: loopApplier(sm),
    schedule: setImmediate,
    onFatal: (err) => {
      throw err;
    },
    snapshotEvery: SNAPSHOT_EVERY,
  });
  await waitUntil(() => {
    driver.tick();
    return driver.status().role === "leader";
  }, "the single voter to elect itself");
  return { driver, store };
}

const propose = <R>(driver: RaftDriver<R>, data: Uint8Array): Promise<ProposalOutcome<R>> =>
  new Promise((resolve) => driver.propose(data, resolve));

const put = (key: string, value: string): Uint8Array => encodeCommand({ op: "put", key, value: utf8.encode(value) });

describe.each(["none", "all"])("RaftDriver (flags %s)", (flags) => {
  it("applies to the key-value machine, returns its results, and snapshots its map", async () => {
    const kv = new KvStateMachine();
    const { driver, store } = await leaderWith<ApplyResult>(kv, flags);
    for (let i = 0; i < SNAPSHOT_EVERY + 2; i++)
      expect(await propose(driver, put(`k${i}`, `v${i}`))).toEqual({ ok: true, result: { ok: true } });
    const cas = encodeCommand({ op: "cas", key: "k0", expect: utf8.encode("nope"), value: utf8.encode("x") });
    expect(await propose(driver, cas)).toEqual({ ok: true, result: { ok: false, current: utf8.encode("v0") } });
    const read = await new Promise((resolve) => driver.read(() => kv.get("k1"), resolve));
    expect(read).toEqual({ ok: true, value: utf8.encode("v1") });

    const snap = store.snapshot();
    expect(snap.meta.index).toBeGreaterThanOrEqual(SNAPSHOT_EVERY);
    const restored = new KvStateMachine();
    restored.restore(snap.data, snap.meta.index);
    expect(new TextDecoder().decode(restored.get("k0")!)).toBe("v0");
    driver.stop();
  });

  it("runs the no-op machine: writes commit and apply, nothing is kept, snapshots are empty", async () => {
    const noop = new NoopStateMachine();
    const { driver, store } = await leaderWith(noop, flags);
    for (let i = 0; i < SNAPSHOT_EVERY + 2; i++)
      expect(await propose(driver, put(`k${i}`, "v"))).toEqual({ ok: true, result: undefined });
    const last = driver.status().lastIndex;
    expect(driver.status().commit).toBe(last);
    expect(noop.appliedIndex).toBe(last);
    // A read is still a linearizable point: its query runs once the read index is applied.
    expect(await new Promise((resolve) => driver.read(() => noop.appliedIndex, resolve))).toEqual({
      ok: true,
      value: last,
    });

    const snap = store.snapshot();
    expect(snap.meta.index).toBeGreaterThanOrEqual(SNAPSHOT_EVERY);
    expect(snap.data).toHaveLength(0);
    driver.stop();
  });
});
