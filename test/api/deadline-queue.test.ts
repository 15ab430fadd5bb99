import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeadlineQueue } from "../../src/api/deadline-queue.ts";

describe("DeadlineQueue", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const queue = (ms: number) => new DeadlineQueue(ms, () => Date.now());

  it("runs each deadline once, ms after it was added, in the order added", () => {
    const q = queue(100);
    const fired: string[] = [];
    q.add(() => fired.push("a"));
    vi.advanceTimersByTime(40);
    q.add(() => fired.push("b"));
    vi.advanceTimersByTime(59);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
    vi.advanceTimersByTime(40);
    expect(fired).toEqual(["a", "b"]);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["a", "b"]);
  });

  it("never runs a cancelled deadline, and a cancelled head does not delay the next", () => {
    const q = queue(100);
    const fired: string[] = [];
    const a = q.add(() => fired.push("a"));
    vi.advanceTimersByTime(10);
    const b = q.add(() => fired.push("b"));
    vi.advanceTimersByTime(10);
    q.add(() => fired.push("c"));
    a.cancel();
    b.cancel();
    b.cancel();
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["c"]);
  });

  it("arms again when a deadline is added after the queue ran empty", () => {
    const q = queue(50);
    const fired: number[] = [];
    q.add(() => fired.push(1));
    vi.advanceTimersByTime(50);
    q.add(() => fired.push(2)).cancel();
    q.add(() => fired.push(3));
    vi.advanceTimersByTime(50);
    expect(fired).toEqual([1, 3]);
  });
});
