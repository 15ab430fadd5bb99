// Processor sharing on a machine's cores, against times worked out by hand: n busy processes on k
// cores each run at min(1, k ÷ n) of a core, recomputed whenever one starts or finishes. Event
// loops on a shared CPU take turns; holds keep a loop busy without taking anyone's CPU.

import { describe, expect, it } from "vitest";
import { EventLoop } from "../../src/sim/event-loop.ts";
import { Scheduler } from "../../src/sim/scheduler.ts";
import { DedicatedCpu, SharedCpu } from "../../src/sim/shared-cpu.ts";

/** Runs jobs `[startNs, costNs]` on `cpu`; returns each job's finishing time, in submission order. */
function finishTimes(make: (s: Scheduler) => SharedCpu | DedicatedCpu, jobs: [number, number][]): number[] {
  const sched = new Scheduler(1);
  const cpu = make(sched);
  const done: number[] = jobs.map(() => Number.NaN);
  jobs.forEach(([at, cost], i) => sched.at(at, () => cpu.run(cost, () => (done[i] = sched.now))));
  sched.runUntil(1e9);
  return done;
}

describe("SharedCpu", () => {
  it("gives each job a core while there are no more jobs than cores", () => {
    expect(
      finishTimes(
        (s) => new SharedCpu(s, 2),
        [
          [0, 100],
          [0, 300],
        ],
      ),
    ).toEqual([100, 300]);
  });

  it("four equal jobs on two cores take twice their cost, and finish together", () => {
    const four: [number, number][] = [
      [0, 100],
      [0, 100],
      [0, 100],
      [0, 100],
    ];
    expect(finishTimes((s) => new SharedCpu(s, 2), four)).toEqual([200, 200, 200, 200]);
    expect(finishTimes((s) => new DedicatedCpu(s), four)).toEqual([100, 100, 100, 100]);
  });

  it("shares one core at half speed until the shorter job ends, then runs the other at full speed", () => {
    // 100 and 300 at t=0: both at ½ until the first is done at 200; the second has 200 left, at 1.
    expect(
      finishTimes(
        (s) => new SharedCpu(s, 1),
        [
          [0, 100],
          [0, 300],
        ],
      ),
    ).toEqual([200, 400]);
  });

  it("slows a running job from the moment another arrives", () => {
    // A (100) alone for 50 ns, then A and B at ½: A's last 50 take 100 (done at 150); B has 50 left
    // then, alone, done at 200.
    expect(
      finishTimes(
        (s) => new SharedCpu(s, 1),
        [
          [0, 100],
          [50, 100],
        ],
      ),
    ).toEqual([150, 200]);
  });

  it("says how much slower a job starting now would run", () => {
    const sched = new Scheduler(1);
    const cpu = new SharedCpu(sched, 2);
    expect(cpu.slowdown()).toBe(1);
    cpu.run(100, () => {});
    expect(cpu.slowdown()).toBe(1);
    cpu.run(100, () => {});
    expect(cpu.slowdown()).toBe(1.5);
    cpu.run(100, () => {});
    expect(cpu.slowdown()).toBe(2);
  });

  it("refuses a core count that is not positive", () => {
    expect(() => new SharedCpu(new Scheduler(1), 0)).toThrow(/positive core count/);
  });
});

describe("event loops on a shared CPU", () => {
  it("two loops on one core take turns; a hold waits without taking the core", () => {
    const sched = new Scheduler(1);
    const cpu = new SharedCpu(sched, 1);
    const a = new EventLoop(sched, cpu);
    const b = new EventLoop(sched, cpu);
    const log: string[] = [];
    sched.at(0, () => {
      a.submit(() => {
        a.charge(100);
        a.afterTask(() => log.push(`a done at ${sched.now}`));
      });
      b.submit(() => {
        b.charge(100);
        b.hold(1000);
        b.afterTask(() => log.push(`b done at ${sched.now}`));
      });
    });
    // Both CPU parts at ½ (done at 200); b then holds 1000 while c has the core alone.
    const c = new EventLoop(sched, cpu);
    sched.at(200, () =>
      c.submit(() => {
        c.charge(500);
        c.afterTask(() => log.push(`c done at ${sched.now}`));
      }),
    );
    sched.runUntil(1e6);
    expect(log).toEqual(["a done at 200", "c done at 700", "b done at 1200"]);
    expect(b.busyNs).toBe(1100);
  });

  it("a task issues its work at the pace a shared core gives it", () => {
    const sched = new Scheduler(1);
    const cpu = new SharedCpu(sched, 1);
    const busy = new EventLoop(sched, cpu);
    const loop = new EventLoop(sched, cpu);
    let issued = Number.NaN;
    sched.at(0, () => {
      busy.submit(() => busy.charge(10_000));
      loop.submit(() => {
        loop.charge(100);
        loop.issue(() => (issued = sched.now));
      });
    });
    sched.runUntil(1e6);
    // One other job on the one core: the task's 100 ns of CPU so far take 200.
    expect(issued).toBe(200);
  });
});
