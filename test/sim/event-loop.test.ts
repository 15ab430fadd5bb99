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
});
