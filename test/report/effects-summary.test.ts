// The report's headline from the factorial effects: a verdict per flag and environment with its
// interval and method, the interactions whose interval excludes 1, and the literature checked on the
// intervals. Synthetic runs with planted effects (seeds fixed below; σ small enough that the verdicts
// do not depend on them).

import { describe, expect, it } from "vitest";
import { summarizeEffects } from "../../bench/report/effects-summary.ts";
import { renderRunPage } from "../../bench/report/html.ts";
import { summarize } from "../../bench/report/summary.ts";
import type { Cell } from "../../bench/results.ts";
import { plantedCells } from "./support/planted.ts";
import { makeResults } from "./support/sample-results.ts";

const DC = { netDelayMs: 0.25, fsyncDelayUs: 1000, applyCostUs: 30 };

/** Loopback: batch ×3 and it fights pipelining; the data-center emulation: every flag helps (async-apply as given). */
function twoEnvironments(asyncApplyInDc = 1.2): Cell[] {
  return [
    ...plantedCells({ batch: 3, "batch:pipeline": 0.8 }, 11, 1, 0.01),
    ...plantedCells(
      { batch: 2, pipeline: 1.5, "parallel-append": 1.3, "async-apply": asyncApplyInDc },
      12,
      1,
      0.01,
      DC,
    ),
  ];
}

describe("the effects headline", () => {
  const s = summarizeEffects(makeResults(twoEnvironments()));

  it("gives a verdict per flag and environment with its ratio, interval and method", () => {
    expect(s.absent).toBe("");
    expect(s.flags.map((l) => `${l.flag} ${l.group.environment}: ${l.verdict}`)).toEqual([
      "batch loopback: helps",
      "batch net 0.25 ms · fsync +1000 µs · apply 30 µs: helps",
      "pipeline loopback: no effect detected",
      "pipeline net 0.25 ms · fsync +1000 µs · apply 30 µs: helps",
      "parallel-append loopback: no effect detected",
      "parallel-append net 0.25 ms · fsync +1000 µs · apply 30 µs: helps",
      "async-apply loopback: no effect detected",
      "async-apply net 0.25 ms · fsync +1000 µs · apply 30 µs: helps",
    ]);
    const batch = s.flags.find((l) => l.flag === "batch" && l.group.environment === "loopback")!;
    expect(batch.text).toMatch(
      /^batch: HELPS \(loopback, 3 nodes, 128 conn\): throughput ×3\.0\d \(95 % CI ×2\.\d\d–×3\.\d\d\), p50 ×0\.3\d \(95 % CI/,
    );
    expect(batch.text).toContain("Lenth's pseudo standard error, t on 5 d.f.");
    expect(s.decisive).toEqual({
      all: true,
      text: "Every flag has an interval that excludes ×1 on some metric in some environment.",
    });
  });

  it("names the interactions whose interval excludes 1, with the conditional ratios", () => {
    // Planted: batch ×3 on average, ×3 · 0.8 = ×2.4 with pipelining, ×3 / 0.8 = ×3.75 without. It is
    // the largest interaction, so it comes first (p50's and p99's mirror images of it tie with it).
    expect(s.interactions.slice(0, 3).every((t) => t.startsWith("batch × pipeline on"))).toBe(true);
    const line = s.interactions.find((t) => t.startsWith("batch × pipeline on throughput"));
    expect(line).toMatch(
      /^batch × pipeline on throughput ×0\.80 \(95 % CI .*\) \(loopback, 3 nodes, 128 conn\): together they do worse than their separate effects predict; batch gives ×2\.4\d with pipeline on, ×3\.7\d with it off$/,
    );
    expect(s.interactions.find((t) => t.startsWith("batch × pipeline on p50"))).toContain("×1.25");
  });

  it("checks all four flags against the literature on the intervals", () => {
    const checks = summarize(makeResults(twoEnvironments())).checks;
    expect(checks.map((c) => `${c.flag}: ${c.outcome}`)).toEqual([
      "batch: confirmed",
      "pipeline: confirmed",
      "parallel-append: confirmed",
      "async-apply: confirmed",
    ]);
    expect(checks.find((c) => c.flag === "pipeline")!.detail).toMatch(
      /^net 0\.25 ms · fsync \+1000 µs · apply 30 µs, 3 nodes, 128 conn: throughput ×1\.5\d \(95 % CI/,
    );
  });

  it("says not confirmed, and names the undecided flag, when an interval includes 1", () => {
    const results = makeResults(twoEnvironments(1));
    expect(summarize(results).checks.find((c) => c.flag === "async-apply")!.outcome).toBe("not confirmed");
    expect(summarizeEffects(results).decisive).toEqual({
      all: false,
      text: "No interval excludes ×1 anywhere in this run for: async-apply.",
    });
  });

  it("says factorial effects need all sixteen combinations on a partial flag set, and keeps the pairwise summary", () => {
    const partial = makeResults(
      twoEnvironments().filter((c) =>
        ["none", "batch", "batch+pipeline+parallel-append+async-apply"].includes(c.flags),
      ),
    );
    const p = summarizeEffects(partial);
    expect(p.absent).toContain("need all 16 combinations");
    expect(p.absent).toContain("this run has 3");
    expect(p.flags).toEqual([]);
    expect(summarize(partial).effects.length).toBeGreaterThan(0);
    expect(renderRunPage(partial)).toContain("this run has 3, so only the pairwise comparisons below describe it");
  });

  it("lists a group with a missing combination instead of estimating it", () => {
    const cells = twoEnvironments().filter((c) => !(c.flags === "async-apply" && c.netDelayMs > 0));
    const p = summarizeEffects(makeResults(cells));
    expect(p.flags.every((l) => l.group.environment === "loopback")).toBe(true);
    expect(p.incomplete).toEqual([
      "net 0.25 ms · fsync +1000 µs · apply 30 µs, 3 nodes, 128 conn: missing async-apply",
    ]);
    expect(renderRunPage(makeResults(cells))).toContain("missing async-apply");
  });
});
