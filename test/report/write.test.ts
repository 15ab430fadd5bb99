import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { effectEntries, runEffects } from "../../bench/report/effects.ts";
import { publishSite } from "../../bench/report/publish.ts";
import { writeRunReport, writeRunsIndex } from "../../bench/report/write.ts";
import type { Results } from "../../bench/results.ts";
import { reportCommand } from "../../src/cli/report.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";
import { makeCell, makeResults, sampleResults } from "./support/sample-results.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "raftlab-report-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function small(id: string, startedAt: string, throughput: number) {
  const r = makeResults([makeCell({ flags: "batch" }, throughput, 1)], id);
  return { ...r, run: { ...r.run, startedAt } };
}

function captureIo() {
  const io = {
    outText: "",
    errText: "",
    out: (t: string) => void (io.outText += t),
    err: (t: string) => void (io.errText += t),
  };
  return io;
}

describe("writing reports", () => {
  it("writes results.json, results.csv and index.html into the run folder", async () => {
    const results = sampleResults();
    const dir = join(root, results.run.id);
    await writeRunReport(dir, results);
    expect((await readdir(dir)).sort()).toEqual(["index.html", "results.csv", "results.json"]);
    const { effects, ...written } = JSON.parse(await readFile(join(dir, "results.json"), "utf8")) as Results;
    expect(written).toEqual(results);
    // Three of the sample's six groups are complete (three hold a failed cell): 10 terms × 3 metrics each.
    expect(effects).toHaveLength(3 * 30);
    expect(effects).toEqual(JSON.parse(JSON.stringify(effectEntries(runEffects(results)))));
    const html = await readFile(join(dir, "index.html"), "utf8");
    expect(html).toContain(results.run.id);
    expect(html).toContain("Effects of the flags");
    expect(html).toContain('href="results.csv"');
    expect(html).not.toMatch(/<script[^>]+src=/); // nothing fetched: vega is inlined
  });

  it("writes no effects for a run without all sixteen combinations", async () => {
    const dir = join(root, "partial");
    await writeRunReport(dir, small("run-partial", "2025-01-01T00:00:00Z", 1234));
    expect(JSON.parse(await readFile(join(dir, "results.json"), "utf8"))).not.toHaveProperty("effects");
  });

  it("lists every run folder with a results.json in the runs index, newest first", async () => {
    await writeRunReport(join(root, "old"), small("run-old", "2025-01-01T00:00:00Z", 1234));
    await writeRunReport(join(root, "new"), small("run-new", "2025-06-01T00:00:00Z", 5678));
    await mkdir(join(root, "not-a-run"));
    await mkdir(join(root, "broken"));
    await writeFile(join(root, "broken", "results.json"), "{ nope");
    expect(await writeRunsIndex(root)).toBe(2);
    const index = await readFile(join(root, "index.html"), "utf8");
    expect(index.indexOf("run-new")).toBeLessThan(index.indexOf("run-old"));
    expect(index).toContain('href="new/index.html"');
    expect(index).toContain("5,678 ops/s (batch, 3 nodes)");
    expect(index).not.toContain("not-a-run");
    expect(index).toMatch(/broken.*not JSON/);
  });

  it("publishes selected runs as a static site with an index", async () => {
    const reports = join(root, "reports");
    await writeRunReport(join(reports, "a"), small("run-a", "2025-01-01T00:00:00Z", 100));
    await writeRunReport(join(reports, "b"), small("run-b", "2025-02-01T00:00:00Z", 200));
    await writeFile(join(reports, "a", "leader.clinic-doctor.html"), "<html>profile</html>");
    const site = join(root, "site");
    expect(await publishSite([join(reports, "a"), join(reports, "b")], site)).toEqual(["a", "b"]);
    expect((await readdir(site)).sort()).toEqual(["a", "b", "index.html"]);
    expect(await readFile(join(site, "a", "leader.clinic-doctor.html"), "utf8")).toContain("profile");
    expect(await readFile(join(site, "index.html"), "utf8")).toContain('href="b/index.html"');
  });
});

describe("raftlab report", () => {
  it("re-renders a run folder's page", async () => {
    const dir = join(root, "run");
    await mkdir(dir);
    await writeFile(join(dir, "results.json"), JSON.stringify(small("run-x", "2025-01-01T00:00:00Z", 10)));
    const io = captureIo();
    expect(await reportCommand([dir], io)).toBe(0);
    expect(io.outText.trim()).toBe(join(dir, "index.html"));
    expect(await readFile(join(dir, "index.html"), "utf8")).toContain("run-x");
    expect(await readFile(join(dir, "results.csv"), "utf8")).toContain("run-x");
  });

  it("compares two runs and refuses runs with nothing in common", async () => {
    await writeRunReport(join(root, "a"), small("run-a", "2025-01-01T00:00:00Z", 100));
    await writeRunReport(join(root, "b"), small("run-b", "2025-01-02T00:00:00Z", 150));
    const out = join(root, "cmp.html");
    const io = captureIo();
    expect(await reportCommand(["compare", join(root, "a"), join(root, "b", "results.json"), "--out", out], io)).toBe(
      0,
    );
    expect(await readFile(out, "utf8")).toContain("×1.50");

    const other = makeResults([makeCell({ flags: "batch", size: 5 }, 100, 1)], "run-c");
    await writeRunReport(join(root, "c"), other);
    const io2 = captureIo();
    expect(await reportCommand(["compare", join(root, "a"), join(root, "c")], io2)).toBe(65);
    expect(io2.errText).toMatch(/^raftlab report: runs run-a and run-c have no measurement in common/);
  });

  it("answers bad input with one line and the right exit status", async () => {
    const cases: [string[], number, RegExp][] = [
      [[], 64, /missing RUN/],
      [["compare", "x"], 64, /compare needs two runs/],
      [["publish", "x"], 64, /needs --out DIR/],
      [["index", "extra"], 64, /takes no arguments/],
      [["--bogus"], 64, /Unknown option/],
      [[join(root, "nowhere")], 66, /no such file or folder/],
      [[root], 66, /has no results.json/],
    ];
    for (const [argv, code, message] of cases) {
      const io = captureIo();
      expect(await reportCommand(argv, io), argv.join(" ")).toBe(code);
      expect(io.errText).toMatch(message);
      expect(io.errText.startsWith("raftlab report: ")).toBe(true);
    }
    await writeFile(join(root, "results.json"), JSON.stringify({ run: { id: "x" }, cells: [] }));
    const io = captureIo();
    expect(await reportCommand([root], io)).toBe(65);
    expect(io.errText).toBe(
      `raftlab report: ${join(root, "results.json")}: not a raftlab results file (run.id and run.startedAt must be strings)\n`,
    );
    const broken = { ...makeResults([]), calibration: { ...SAMPLE_CALIBRATION, fsyncUs: { p50: 0 } } };
    await writeFile(join(root, "results.json"), JSON.stringify(broken));
    const bad = captureIo();
    expect(await reportCommand([root], bad)).toBe(65);
    expect(bad.errText).toMatch(
      /not a raftlab results file \(calibration: fsyncUs\.p50 must be a positive number\)\n$/,
    );
  });

  it("prints help for each sub-command", async () => {
    for (const [argv, text] of [
      [["--help"], "raftlab report compare RUN_A RUN_B"],
      [["compare", "--help"], "--out FILE"],
      [["index", "-h"], "reports root"],
    ] as const) {
      const io = captureIo();
      expect(await reportCommand([...argv], io)).toBe(0);
      expect(io.outText).toContain(text);
    }
  });
});
