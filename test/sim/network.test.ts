import { describe, expect, it } from "vitest";
import { makeMessage } from "../../src/core/message.ts";
import { seededRng } from "../../src/core/rng.ts";
import { type Message, MessageType } from "../../src/core/types.ts";
import {
  cut,
  dropRandom,
  duplicate,
  type Envelope,
  isolate,
  Network,
  oneWay,
  partition,
  reorder,
  slow,
} from "../../src/sim/network.ts";
import { MS, Scheduler } from "../../src/sim/scheduler.ts";
import { estimateBytes } from "../../src/transport/frame-limits.ts";

const entry = (index: number, bytes: number) => ({ index, term: 1, data: new Uint8Array(bytes) });
const msg = (from: number, to: number, index = 0): Message =>
  makeMessage({ type: MessageType.App, from, to, term: 1, index });

const env = (from: number, to: number, index = 0): Envelope => ({ msg: msg(from, to, index), from, to, delay: MS });
const links = (b: readonly Envelope[]): string[] => b.map((e) => `${e.from}>${e.to}`);
const all3 = (): Envelope[] => [1, 2, 3].flatMap((f) => [1, 2, 3].filter((t) => t !== f).map((t) => env(f, t)));

describe("network fault filters", () => {
  const rng = seededRng(1);

  it("cut drops only the one directed link", () => {
    expect(links(cut(1, 2)(all3(), rng))).toEqual(["1>3", "2>1", "2>3", "3>1", "3>2"]);
  });

  it("isolate drops everything to and from the node", () => {
    expect(links(isolate(1)(all3(), rng))).toEqual(["2>3", "3>2"]);
  });

  it("partition passes only messages within a group", () => {
    expect(links(partition([[1], [2, 3]])(all3(), rng))).toEqual(["2>3", "3>2"]);
    expect(links(partition([[1, 2]])(all3(), rng))).toEqual(["1>2", "2>1"]); // node 3 is in no group
  });

  it("oneWay is asymmetric: 1 can hear 2 and 3 but not reach them", () => {
    expect(links(oneWay([1], [2, 3])(all3(), rng))).toEqual(["2>1", "2>3", "3>1", "3>2"]);
  });

  it("dropRandom drops about p of the messages", () => {
    const batch = Array.from({ length: 2000 }, (_, i) => env(1, 2, i));
    const kept = dropRandom(0.3)(batch, seededRng(5)).length;
    expect(kept).toBeGreaterThan(1250);
    expect(kept).toBeLessThan(1550);
  });

  it("duplicate adds unordered copies; reorder and slow add delay", () => {
    const batch = Array.from({ length: 100 }, (_, i) => env(1, 2, i));
    const dup = duplicate(1, 5 * MS)(batch, seededRng(2));
    expect(dup).toHaveLength(200);
    expect(dup.filter((e) => e.unordered)).toHaveLength(100);
    const re = reorder(1, 5 * MS)(batch, seededRng(2));
    expect(re.every((e) => e.unordered && e.delay >= MS)).toBe(true);
    expect(slow(3 * MS)(batch, rng).every((e) => e.delay === 4 * MS && !e.unordered)).toBe(true);
  });
});

describe("Network", () => {
  const setup = () => {
    const sched = new Scheduler(9);
    const got: { to: number; index: number; at: number }[] = [];
    const net = new Network(sched, { baseNs: MS, jitterNs: 2 * MS }, (to, m) =>
      got.push({ to, index: m.index, at: sched.now }),
    );
    return { sched, net, got };
  };

  it("delivers after the link delay, FIFO per link despite jitter", () => {
    const { sched, net, got } = setup();
    for (let i = 0; i < 50; i++) {
      net.send([msg(1, 2, i)]);
      sched.runUntil(sched.now + 100_000); // 0.1 ms between sends: jitter alone would reorder
    }
    sched.runUntil(sched.now + 10 * MS);
    expect(got.map((g) => g.index)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(got.every((g) => g.to === 2)).toBe(true);
    expect(net.stats).toMatchObject({ sent: 50, delivered: 50, dropped: 0 });
  });

  it("per-link shapes: a slow link delays only its own messages", () => {
    const { sched, net, got } = setup();
    net.setLink(1, 3, { baseNs: 50 * MS, jitterNs: 0 });
    net.send([msg(1, 2, 1), msg(1, 3, 2)]);
    sched.runUntil(100 * MS);
    expect(got.find((g) => g.to === 2)!.at).toBeLessThan(3 * MS);
    expect(got.find((g) => g.to === 3)!.at).toBe(50 * MS);
  });

  it("applies filters while active and counts drops and duplicates", () => {
    const { sched, net, got } = setup();
    const h = net.addFilter(isolate(2));
    net.send([msg(1, 2, 1), msg(1, 3, 2)]);
    net.removeFilter(h);
    net.addFilter(duplicate(1, MS));
    net.send([msg(1, 2, 3)]);
    sched.runUntil(100 * MS);
    expect(got.map((g) => g.index).sort()).toEqual([2, 3, 3]);
    expect(net.stats).toMatchObject({ sent: 3, delivered: 3, dropped: 1, duplicated: 1 });
    net.clearFilters();
    expect(net.activeFilters).toBe(0);
  });

  it("reorder lets later messages overtake earlier ones on a link", () => {
    const { sched, net, got } = setup();
    net.addFilter(reorder(0.5, 20 * MS));
    for (let i = 0; i < 50; i++) net.send([msg(1, 2, i)]);
    sched.runUntil(100 * MS);
    const order = got.map((g) => g.index);
    expect(order).toHaveLength(50);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it("a link with a bandwidth carries one message at a time, each for its size over the bandwidth", () => {
    const sched = new Scheduler(1);
    const got: { index: number; at: number }[] = [];
    // 0.001 bytes per ns = 8 Mbit/s: a message of ~100 bytes is on the wire for ~0.1 ms.
    const net = new Network(sched, { baseNs: MS, jitterNs: 0, bytesPerNs: 0.001 }, (_to, m) =>
      got.push({ index: m.index, at: sched.now }),
    );
    const big = makeMessage({ type: MessageType.App, from: 1, to: 2, term: 1, index: 1, entries: [entry(1, 5000)] });
    const small = msg(1, 2, 2);
    net.send([big, small]);
    net.send([msg(2, 1, 3)]); // another link: not behind them
    sched.runUntil(100 * MS);
    const wire = (m: Message) => Math.round(estimateBytes(m) / 0.001);
    expect(got).toEqual([
      { index: 3, at: wire(msg(2, 1, 3)) + MS },
      { index: 1, at: wire(big) + MS },
      { index: 2, at: wire(big) + wire(small) + MS },
    ]);
  });
});
