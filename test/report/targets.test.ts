import { describe, expect, it } from "vitest";
import { renderRunPage } from "../../bench/report/html.ts";
import { targetChecks } from "../../bench/report/targets.ts";
import { makeCell, makeResults } from "./support/sample-results.ts";

const ALL = "batch+pipeline+parallel-append+async-apply";

describe("the lab's targets", () => {
  it("says which targets a run met and which it missed, with the figures", () => {
    const results = makeResults([
      makeCell({ flags: ALL, size: 3, connections: 128, rep: 0 }, 21_000, 5),
      makeCell({ flags: ALL, size: 3, connections: 128, rep: 1 }, 19_000, 5),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 128 }, 6_000, 16),
      makeCell({ flags: ALL, size: 3, connections: 1 }, 1_000, 0.8),
    ]);
    const [etcd, p50] = targetChecks(results);
    expect(etcd!.outcome).toBe("met");
    expect(etcd!.detail).toContain("×3.33");
    expect(p50!.outcome).toBe("not met");
    expect(p50!.detail).toContain("p50 0.800 ms");
    const page = renderRunPage(results);
    expect(page.includes("Against the lab's targets")).toBe(true);
    expect(page.includes('<td class="good">met</td><td>throughput ×3.33')).toBe(true);
  });

  it("misses the etcd target when p99 is worse, even at 3× the throughput", () => {
    const results = makeResults([
      makeCell({ flags: ALL, size: 3, connections: 128 }, 30_000, 20),
      makeCell({ system: "etcd", flags: "etcd", size: 3, connections: 128 }, 6_000, 10),
    ]);
    expect(targetChecks(results)[0]!.outcome).toBe("not met");
  });

  it("says what to run when the run did not measure a target", () => {
    const results = makeResults([makeCell({ flags: "none", size: 5, connections: 32 }, 1_000, 30)]);
    for (const t of targetChecks(results)) expect(t.outcome).toBe("not measured");
    expect(targetChecks(results)[0]!.detail).toContain("--peer etcd");
  });
});
