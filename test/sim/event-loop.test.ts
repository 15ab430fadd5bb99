// A node's event loop in performance mode is one server: a task waits for the one before it and keeps
// the loop busy for what it was charged; what it issues leaves when the task has got that far, what
// it sends when the task is paid for.

import { describe, expect, it } from "vitest";
import { EventLoop } from "../../src/sim/event-loop.ts";
import { Scheduler, US } from "../../src/sim/scheduler.ts";

describe("EventLoop", () => {
  it("runs tasks one at a time, each after the cost of those before it", () => {
    const sched = new Scheduler(1);
    const loop = new EventLoop(sched);
    const log: string[] = [];
    const task = (name: string, beforeIssueNs: number, afterIssueNs: number) => () => {
      log.push(`${name} runs at ${sched.now}`);
      loop.afterTask(() => log.push(`${name} sends at ${sched.now}`));
      loop.charge(beforeIssueNs);
      loop.issue(() => log.push(`${name} issues at ${sched.now}`));
      loop.charge(afterIssueNs);
    };
    sched.at(0, () => {
      loop.submit(task("a", 10 * US, 20 * US));
      loop.submit(task("b", 0, 0));
      loop.submit(task("c", 0, 10 * US));
    });
    sched.at(5 * US, () => loop.submit(task("d", 1 * US, 0))); // arrives while a runs
    sched.at(100 * US, () => loop.submit(task("e", 0, 0))); // the loop is idle again
    sched.runUntil(1000 * US);
    expect(log).toEqual([
      "a runs at 0",
      "a issues at 10000",
      "a sends at 30000",
      "b runs at 30000",
      "b issues at 30000",
      "b sends at 30000",
      "c runs at 30000",
      "c issues at 30000",
      "c sends at 40000",
      "d runs at 40000",
      "d issues at 41000",
      "d sends at 41000",
      "e runs at 100000",
      "e issues at 100000",
      "e sends at 100000",
    ]);
    expect(loop.busyNs).toBe(41 * US);
  });

  it("outside a task, charges are not the loop's and everything leaves at once", () => {
    const sched = new Scheduler(1);
    const loop = new EventLoop(sched);
    const left: string[] = [];
    loop.charge(50 * US);
    loop.issue(() => left.push("issued"));
    loop.afterTask(() => left.push("sent"));
    expect(left).toEqual(["issued", "sent"]);
    expect(loop.busyNs).toBe(0);
  });

  it.each([
    [0, ["a issues at 60", "b issues at 70", "c issues at 1060"]],
    // It starts 100 ns late after sleeping; b, arriving meanwhile, runs in the same turn.
    [100, ["a issues at 160", "b issues at 170", "c issues at 1160"]],
  ])("pays the wake-up (latency %i ns, 50 ns of CPU) only when it was idle", (latencyNs, expected) => {
    const sched = new Scheduler(1);
    const loop = new EventLoop(sched, undefined, { latencyNs, cpuNs: 50 });
    const log: string[] = [];
    const task = (name: string) => () => {
      loop.charge(10);
      loop.issue(() => log.push(`${name} issues at ${sched.now}`));
    };
    sched.at(0, () => loop.submit(task("a")));
    sched.at(latencyNs / 2, () => loop.submit(task("b"))); // a runs, or waits to: no wake of its own
    sched.at(1000, () => loop.submit(task("c"))); // idle again
    sched.runUntil(10_000);
    expect(log).toEqual(expected);
    expect(loop.wakes).toBe(2);
    expect(loop.busyNs).toBe(50 + 10 + 10 + 50 + 10);
  });
});
