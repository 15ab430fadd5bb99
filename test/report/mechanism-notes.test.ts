// The summary explains an effect with the mechanism counters: batch, pipeline and async apply, each
// with its counters on and off over the same pairs; nothing is said for a run without counters.

import { describe, expect, it } from "vitest";
import { renderRunPage } from "../../bench/report/html.ts";
import { mechanismNotes } from "../../bench/report/mechanism-notes.ts";
import { makeCell, makeResults, sampleResults } from "./support/sample-results.ts";

describe("mechanism notes", () => {
  it("quote each counted flag's counters with the flag on against off, per size, at the highest load", () => {
    const notes = mechanismNotes(sampleResults());
    expect(new Set(notes.map((n) => n.flag))).toEqual(new Set(["batch", "pipeline", "async-apply"]));
    expect(notes.every((n) => n.load === "128 conn")).toBe(true);
    // The fixture's model: a batch of 128/3 entries per fsync with batch on, 1 without; a window of 8.
    const batch = notes.find((n) => n.flag === "batch" && n.size === 3)!;
    expect(batch.text).toMatch(
      /^batch \(3 nodes, 128 conn\): 42.7 entries per leader fsync instead of 1, .* \(medians over 8 pairs\)\.$/,
    );
    expect(notes.find((n) => n.flag === "pipeline" && n.size === 5)!.text).toContain(
      "8 AppendEntries in flight per follower on average instead of 1, 16 at most instead of 1",
    );
  });

  it("appear in the page's summary, and not at all for cells without counters", () => {
    expect(renderRunPage(sampleResults())).toContain("42.7 entries per leader fsync instead of 1");
    const strip = (flags: string) => {
      const { mechanism: _m, ...cell } = makeCell({ flags, connections: 128 }, 1000, 1);
      return cell;
    };
    const bare = makeResults([strip("none"), strip("batch")]);
    expect(mechanismNotes(bare)).toEqual([]);
    expect(renderRunPage(bare)).not.toContain("Why: what the mechanisms did");
  });
});
