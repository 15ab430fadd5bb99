import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simCommand } from "../../src/cli/sim.ts";
import { captureIo, expectUsageError } from "../support/capture.ts";

describe("raftlab sim", () => {
  it.each([
    [["--nodes", "4"], /--nodes/],
    [["--seeds", "0"], /--seeds/],
    [["--seed", "x"], /--seed/],
    [["--flags", "turbo"], /--flags: unknown flag "turbo"/],
    [["--ops", "-3"], /--ops/],
    [["--bogus"], /bogus/],
    [["--seeds", "2", "--history", "h.jsonl"], /--history needs exactly one run/],
  ])("rejects %j with a one-line error and exit code 64", (argv, pattern) =>
    expectUsageError(simCommand, argv, pattern),
  );

  it("--help documents every option", async () => {
    const io = captureIo();
    expect(await simCommand(["--help"], io)).toBe(0);
    for (const opt of ["--seeds", "--seed", "--flags", "--nodes", "--ops", "--no-faults", "--history", "--jobs"]) {
      expect(io.stdout).toContain(opt);
    }
  });

  it("--jobs 2 runs on worker threads with the same results as one process", async () => {
    const argv = ["--seeds", "3", "--flags", "batch,async-apply", "--ops", "40"];
    const serial = captureIo();
    const parallel = captureIo();
    expect(await simCommand(argv, serial)).toBe(0);
    expect(await simCommand([...argv, "--jobs", "2"], parallel)).toBe(0);
    const withoutTime = (s: string) => s.replace(/, [\d.]+s\n$/, "");
    expect(withoutTime(parallel.stdout)).toBe(withoutTime(serial.stdout));
  });

  it("--history writes the run's history as JSON Lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raftlab-sim-"));
    try {
      const file = join(dir, "h.jsonl");
      expect(await simCommand(["--seed", "3", "--flags", "all", "--ops", "30", "--history", file], captureIo())).toBe(
        0,
      );
      const events = readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(events.filter((e) => e.type === "invoke")).toHaveLength(31); // 30 client operations and the final write
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs seeds × combinations and prints one summary line", async () => {
    const io = captureIo();
    const code = await simCommand(["--seeds", "2", "--flags", "none,all", "--ops", "40"], io);
    expect(code).toBe(0);
    const lines = io.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^sim: 4 runs \(2 seeds × 2 combos × sizes 3\), 16\d ops .* faults \(\d+ live flag switches, \d+ leadership transfers, \d+ membership changes\), 0 violations, 0 failed runs/,
    );
  });
});
