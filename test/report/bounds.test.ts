// The report's cells against their bounds: the share of the ceiling reached, the binding limit named,
// cells under half of a bound flagged as implementation overhead, and the section on the run page.

import { describe, expect, it } from "vitest";
import { cellVsBounds } from "../../bench/report/bounds.ts";
import { renderRunPage } from "../../bench/report/html.ts";
import { SAMPLE_CALIBRATION as CAL } from "../support/calibration.ts";
import { makeCell, makeFailedCell, makeResults } from "./support/sample-results.ts";

// No flags, 3 nodes, 32 connections, loopback: the one-slot window allows 1e6 / 1100 µs = 909 writes/s,
// and 32 connections at that rate wait at least 32 / 909 s = 35.2 ms (test/calibrate/bounds.test.ts).
const config = { flags: "none", size: 3, connections: 32 } as const;

describe("cellVsBounds", () => {
  it("states the share of the ceiling and the binding limit of a cell near its bounds", () => {
    // mean latency = 1.15 × p50 = 40.25 ms
    const v = cellVsBounds(CAL, makeCell(config, 800, 35));
    expect(v.kind).toBe("bounded");
    if (v.kind !== "bounded") return;
    expect(v.ceiling.binding).toBe("replication-window");
    expect(v.throughputShare).toBeCloseTo(800 / (1e6 / 1100));
    expect(v.latencyShare).toBeCloseTo(35.2 / 40.25, 2);
    expect(v.overhead).toBe(false);
    expect(v.sentence).toMatch(
      /^reached 88 % of its throughput ceiling \(909 ops\/s\); binding limit: the replication window/,
    );
    expect(v.sentence).not.toContain("profiling");
  });

  it("flags a cell under half of its ceiling as implementation overhead worth profiling", () => {
    const v = cellVsBounds(CAL, makeCell(config, 300, 35));
    expect(v).toMatchObject({ kind: "bounded", overhead: true });
    if (v.kind === "bounded") expect(v.sentence).toMatch(/reached 33 % .*: implementation overhead worth profiling$/);
  });

  it("flags a cell far above its latency floor even when its throughput is near the ceiling", () => {
    // An open loop at 500 req/s: the ceiling is the offered load; floor 1.18 ms against a mean of 11.5 ms.
    const v = cellVsBounds(CAL, makeCell({ ...config, connections: null, rate: 500 }, 500, 10));
    expect(v).toMatchObject({ kind: "bounded", overhead: true, ceiling: { binding: "offered load" } });
    if (v.kind === "bounded") expect(v.latencyShare).toBeCloseTo(1.18 / 11.5);
  });

  it("gives failed and unmodelled cells no bounds, saying why", () => {
    expect(cellVsBounds(CAL, makeFailedCell(config, "boom"))).toEqual({ kind: "none", why: "the cell failed" });
    expect(cellVsBounds(CAL, makeCell({ ...config, system: "etcd" }, 800, 35))).toMatchObject({ kind: "none" });
  });
});

describe("the run page", () => {
  it("shows each cell against its bounds when the run has a calibration", () => {
    const results = { ...makeResults([makeCell(config, 800, 35), makeCell(config, 300, 35)]), calibration: CAL };
    const page = renderRunPage(results);
    expect(page).toContain("<h2>Against the bounds</h2>");
    expect(page).toContain("2 cells have bounds; 1 of them reached under 50 % of a bound");
    expect(page).toContain("implementation overhead worth profiling</td>");
    expect(page).toContain(
      "<li>none × 3, 32 conn, rep 0: reached 33 % of its throughput ceiling (909 ops/s); binding limit: the replication window",
    );
    expect(page).toContain("the replication window");
    expect(page).toContain("leader CPU per write (µs)");
    expect(page).toContain("one connection: follower CPU per write (µs)");
    expect(page).toContain("entries per AppendEntries");
  });

  it("says there are no bounds without a calibration", () => {
    expect(renderRunPage(makeResults([makeCell(config, 800, 35)]))).toContain("stored no calibration");
  });
});
