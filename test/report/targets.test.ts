import { describe, expect, it } from "vitest";
import { renderRunPage } from "../../bench/report/html.ts";
import { targetChecks } from "../../bench/report/targets.ts";
import type { Cell, ProcessUsage } from "../../bench/results.ts";
import { makeCell, makeResults } from "./support/sample-results.ts";

const ALL = "batch+pipeline+parallel-append+async-apply";

/** A cell whose processes spent the given µs of CPU per acknowledged write (leader first). */
function withCpu(cell: Cell, leaderUs: number, followerUs: readonly number[], stealCores = 0): Cell {
  const usage = (process: string, role: string, us: number): ProcessUsage => ({
    process,
    role,
    cpu: (us * cell.throughput) / 1e6,
    elu: 0.5,
    cpuUsPerOp: us,
    runQueueWait: 0.01,
  });
  return {
    ...cell,
    stealCores,
    cpu: [usage("node-1", "leader", leaderUs), ...followerUs.map((us, i) => usage(`node-${i + 2}`, "follower", us))],
  };
}

describe("the lab's targets", () => {
  it("a simulated run measures none of them, whatever its cells hold", () => {
    const measured = makeResults([
      withCpu(makeCell({ flags: ALL, size: 3, connections: 128 }, 21_000, 5), 20, [8, 8]),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 128 }, 6_000, 16),
    ]);
    expect(targetChecks(measured).map((t) => t.outcome)).toContain("met");
    const simulated = { ...measured, run: { ...measured.run, simulated: true as const } };
    for (const t of targetChecks(simulated)) {
      expect(t.outcome).toBe("not measured");
      expect(t.detail).toMatch(/^not measured \(simulated\)/);
    }
  });

  it("says which targets a run met and which it missed, with the figures", () => {
    const results = makeResults([
      makeCell({ flags: ALL, size: 3, connections: 128, rep: 0 }, 21_000, 5),
      makeCell({ flags: ALL, size: 3, connections: 128, rep: 1 }, 19_000, 5),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 128 }, 6_000, 16),
      makeCell({ flags: ALL, size: 5, connections: 128 }, 10_000, 9),
      makeCell({ system: "etcd", flags: "etcd", size: 5, connections: 128 }, 5_000, 20),
      makeCell({ flags: ALL, size: 3, connections: 1 }, 1_000, 0.5),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 1 }, 800, 1.25),
    ]);
    const [three, five, p50, cpu] = targetChecks(results);
    expect(three!.outcome).toBe("met");
    expect(three!.detail).toContain("×3.33");
    expect(five!.outcome).toBe("not met");
    expect(five!.detail).toContain("×2.00");
    expect(p50!.outcome).toBe("met");
    expect(p50!.detail).toContain("p50 ×0.40 of etcd's: 0.500 ms");
    // The fixture's leader spends 0.95 cores and each follower 0.4: 45.2 and 50.0 µs, 19.0 and 21.1 µs (means 47.6 and 20.05).
    expect(cpu!.outcome).toBe("not met");
    expect(cpu!.detail).toContain("leader 47.6 µs (45.2–50.0), busiest follower 20.1 µs (19.0–21.1) over 2 cells");
    const page = renderRunPage(results);
    expect(page.includes("Against the lab's targets")).toBe(true);
    expect(page.includes('<td class="good">met</td><td>throughput ×3.33')).toBe(true);
  });

  it("misses the 3-node etcd target when p99 is worse, even at 3× the throughput", () => {
    const results = makeResults([
      makeCell({ flags: ALL, size: 3, connections: 128 }, 30_000, 20),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 128 }, 6_000, 10),
    ]);
    expect(targetChecks(results)[0]!.outcome).toBe("not met");
  });

  it("holds the CPU target to the leader and to every follower, and names cells under heavy steal", () => {
    const cell = makeCell({ flags: ALL, size: 3, connections: 128 }, 20_000, 5);
    const met = targetChecks(makeResults([withCpu(cell, 24, [9, 9.5])]))[3]!;
    expect(met.outcome).toBe("met");
    const follower = targetChecks(makeResults([withCpu(cell, 24, [9, 11])]))[3]!;
    expect(follower.outcome).toBe("not met");
    expect(follower.detail).toContain("busiest follower 11.0 µs");
    const stolen = targetChecks(makeResults([withCpu(cell, 24, [9, 9]), withCpu(cell, 30, [9, 9], 0.6)]))[3]!;
    expect(stolen.detail).toContain("leader 27.0 µs (24.0–30.0)");
    expect(stolen.detail).toContain("1 of 2 cells under heavy steal");
  });

  it("says what to run when the run did not measure a target", () => {
    const results = makeResults([makeCell({ flags: "none", size: 5, connections: 32 }, 1_000, 30)]);
    const checks = targetChecks(results);
    expect(checks).toHaveLength(4);
    for (const t of checks) expect(t.outcome).toBe("not measured");
    expect(checks[0]!.detail).toContain("--peer etcd");
    expect(checks[3]!.detail).toContain("--sizes 3 --connections 128");
  });
});

describe("the all-cells table", () => {
  it("shows CPU per write by role and marks a cell measured under heavy steal", () => {
    const cell = makeCell({ flags: ALL, size: 3, connections: 128 }, 20_000, 5);
    const page = renderRunPage(makeResults([withCpu(cell, 24.04, [9.25, 9.5]), withCpu(cell, 30, [9, 9], 0.6)]));
    expect(page).toContain("leader CPU (µs/op)");
    expect(page).toMatch(/<td class="num">24<\/td><td class="num">9\.5<\/td>/);
    expect(page).toContain('<td class="failed">0.6 heavy</td>');
    expect(page).toContain("1 cell(s) measured under heavy steal");
  });
  it("shows each cell's read mode and its reads' own figures in a run with reads", () => {
    const reads = (throughput: number, p50: number) => ({
      reads: { throughput, latencyMs: { p50, p90: p50, p99: p50 * 3, p999: p50 * 4, max: p50 * 5, mean: p50 } },
    });
    const base = { flags: ALL, size: 3, connections: 32, readRatio: 0.9 } as const;
    const page = renderRunPage(
      makeResults([
        { ...makeCell({ ...base, readMode: "readindex" }, 9_000, 3), ...reads(8_100, 2.75) },
        { ...makeCell({ ...base, readMode: "lease" }, 12_000, 2), ...reads(10_800, 1.25) },
        { ...makeCell({ ...base, readMode: "stale" }, 15_000, 1), ...reads(13_500, 0.5) },
      ]),
    );
    expect(page).toContain("<th>read mode</th><th>reads/s</th><th>read p50 (ms)</th><th>read p99</th>");
    for (const [mode, p50, p99] of [
      ["readindex", "2.75", "8.25"],
      ["lease", "1.25", "3.75"],
      ["stale", "0.5", "1.5"],
    ] as const) {
      expect(page).toMatch(
        new RegExp(
          `<td>${mode}</td><td class="num">[\\d,.k]+</td><td class="num">${p50}</td><td class="num">${p99}</td>`,
        ),
      );
    }
    // A run without reads has no such columns; one with reads but no --read-mode shows the nodes' default.
    expect(renderRunPage(makeResults([makeCell(base, 9_000, 3)]))).toMatch(/<td>readindex<\/td>/);
    expect(renderRunPage(makeResults([makeCell({ ...base, readRatio: 0 }, 9_000, 3)]))).not.toContain("read mode");
  });
});
