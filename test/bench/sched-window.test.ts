import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { parseBusySeconds, parseRunDelaySeconds, parseStealSeconds, SchedWindow } from "../../bench/sched-window.ts";
import { waitUntil } from "../support/wait.ts";

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 175628 0 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 87814 0 0
intr 1462898
`;

describe("scheduler readings", () => {
  it("reads the host's steal from /proc/stat's cpu line, in seconds", () => {
    expect(parseStealSeconds(PROC_STAT)).toBe(1756.28);
    expect(parseStealSeconds("intr 1\n")).toBeNull();
  });

  it("reads the machine's busy CPU from /proc/stat's cpu line: user, nice, system, irq, softirq", () => {
    expect(parseBusySeconds(PROC_STAT)).toBeCloseTo((10132153 + 290696 + 3084719 + 0 + 25195) / 100, 6);
    expect(parseBusySeconds("cpu  1 2 3\n")).toBeNull();
    expect(parseBusySeconds("intr 1\n")).toBeNull();
  });

  it("reads the run-queue wait from a schedstat line, in seconds", () => {
    expect(parseRunDelaySeconds("28463734 1500000000 4183\n")).toBe(1.5);
    expect(parseRunDelaySeconds("garbage")).toBeNull();
  });

  it("sees more spinning processes than cores wait for a core, and nothing for a process that is gone", async () => {
    // One spinner more than there are cores: at any moment one of them is runnable but waiting, so
    // their summed run-queue wait grows by about a second per second.
    const spin = "const end = Date.now() + 60000; while (Date.now() < end);";
    const kids = Array.from({ length: availableParallelism() + 1 }, () =>
      spawn(process.execPath, ["-e", spin], { stdio: "ignore" }),
    );
    try {
      const pids = new Map<string, number>(kids.map((k, i) => [`spinner-${i}`, k.pid!]));
      pids.set("gone", 2 ** 22 + 1);
      const window = new SchedWindow(pids);
      const summed = (): number =>
        kids.reduce((sum, _, i) => sum + (window.close().runQueueWait[`spinner-${i}`] ?? 0), 0);
      await waitUntil(() => summed() > 0.2, "the spinners to have waited for a core", 30_000);
      const r = window.close();
      expect(r.runQueueWait.gone).toBeNull();
      expect(kids.every((_, i) => r.runQueueWait[`spinner-${i}`]! >= 0)).toBe(true);
      expect(r.stealCores).toBeGreaterThanOrEqual(0);
      // The spinners keep every core busy.
      expect(r.busyCores).toBeGreaterThan(0.5 * availableParallelism());
    } finally {
      for (const k of kids) k.kill("SIGKILL");
    }
  });
});
