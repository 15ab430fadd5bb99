// The model validation: a measured run's cells beside the simulator's predictions for the same
// configurations. The arithmetic is checked on hand-made cells, the prediction on a model whose
// answer is known in closed form, and the command on a run written to disk.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { perfModelFromCalibration } from "../../bench/calibrate/perf-model.ts";
import { planCells } from "../../bench/plan.ts";
import {
  modelForCell,
  rankingAgreement,
  type ValidatedCell,
  validateModel,
} from "../../bench/validate/model-validation.ts";
import { parseBenchOptions } from "../../src/cli/bench-options.ts";
import type { CommandIo } from "../../src/cli/command.ts";
import { whatifCommand } from "../../src/cli/whatif.ts";
import { DEFAULT_PERF_MODEL, type PerfModel } from "../../src/sim/perf-model.ts";
import { makeCell, makeResults } from "../report/support/sample-results.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";
import { FREE_CPU } from "../support/perf-models.ts";

const dir = mkdtempSync(path.join(tmpdir(), "raftlab-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No CPU cost, 1 ms round trips, every fsync 2 ms: one connection's write takes F + R + F + client RTT. */
const EXACT: PerfModel = {
  ...DEFAULT_PERF_MODEL,
  rttMs: 1,
  clientRttMs: 1,
  fsyncMs: { p50: 2, p99: 2 },
  cpu: FREE_CPU,
};

const cell = (flags: string, tput: number, spread: number, predicted: number): ValidatedCell => ({
  flags,
  size: 3,
  connections: 32,
  env: "loopback",
  reps: 2,
  measured: { throughput: tput, p50Ms: 1, spread },
  predicted: { throughput: predicted, p50Ms: 1 },
  error: { throughput: 0, p50: 0 },
  cpuShare: 0.5,
  waitCores: 0,
  otherCores: 0,
  contended: null,
  cores: 2,
});

describe("model validation", () => {
  it("adds a cell's emulated delays to the model's own", () => {
    const m = modelForCell(EXACT, { ...makeCell({}, 1, 1), netDelayMs: 2, fsyncDelayUs: 1000, applyCostUs: 50 }, 2);
    expect([m.rttMs, m.fsyncMs.p50, m.fsyncMs.p99, m.applyHoldUs]).toEqual([5, 3, 3, 50]);
  });

  it("shares the machine's cores between a cell's processes only when they all ran on it", () => {
    const local = makeCell({}, 1, 1);
    expect(modelForCell(EXACT, local, 2).cores).toBe(2);
    const topology = { target: "c.json", nodes: ["http://a:1"], leader: 1, rttMs: 1 };
    expect(modelForCell(EXACT, { ...local, topology }, 2).cores).toBeNull();
    const worker = { url: "http://w:1", mode: { kind: "closed", connections: 1 }, ok: 1, errors: 0, cpu: 0.1 } as const;
    expect(modelForCell(EXACT, { ...local, loadWorkers: [worker] }, 2).cores).toBeNull();
  });

  it("counts only the pairs the measurement separates beyond both spreads, and those ordered alike", () => {
    const cells = [cell("none", 100, 5, 110), cell("batch", 200, 5, 300), cell("all", 204, 10, 250)];
    // none < batch and none < all are separated and predicted alike; batch vs all is within spread.
    expect(rankingAgreement(cells)).toEqual({ pairs: 2, agree: 2 });
    const swapped = [cell("none", 100, 5, 400), ...cells.slice(1)];
    expect(rankingAgreement(swapped)).toEqual({ pairs: 2, agree: 0 });
  });

  it("predicts a cell in its own configuration and measures the error against the mean of its reps", () => {
    const base = { flags: "none", size: 3, connections: 1, durationS: 1 } as const;
    // Measured: 2 reps at 5 ms p50 (200 ops/s); the model's write takes 2 + 1 + 2 + 1 = 6 ms.
    const results = makeResults([makeCell({ ...base, rep: 0 }, 190, 5), makeCell({ ...base, rep: 1 }, 210, 5)]);
    const v = validateModel(results, EXACT, { durationS: 0.5, warmupS: 0.1, seed: 1 });
    expect(v.cells).toHaveLength(1);
    const [c] = v.cells;
    expect(c!.reps).toBe(2);
    expect(c!.measured).toEqual({ throughput: 200, p50Ms: 5, spread: 20 });
    expect(c!.predicted.p50Ms).toBeCloseTo(6, 1);
    expect(c!.error.p50).toBeCloseTo((c!.predicted.p50Ms - 5) / 5, 6);
    expect(c!.error.throughput).toBeCloseTo((c!.predicted.throughput - 200) / 200, 6);
    expect(v.accuracy.cells).toBe(1);
    // The same cell, its processes kept waiting for a core by other work: left out of the errors.
    const waited = makeCell({ ...base, rep: 0 }, 190, 5);
    const busy = { ...waited, cpu: waited.cpu.map((u) => ({ ...u, runQueueWait: 0.2 })) };
    const run = { durationS: 0.5, warmupS: 0.1, seed: 1 };
    const w = validateModel(makeResults([busy]), EXACT, run);
    expect(w.cells[0]!.contended).toBe("waited");
    expect(w.cells[0]!.otherCores).toBeNull();
    expect(w.accuracy.cells).toBe(0);
    // With the machine's busy CPU recorded, waits behind the cell's own processes (which the model
    // shares cores between) no longer count; other work on the machine, or steal, does.
    const own = busy.cpu.reduce((a, u) => a + u.cpu, 0);
    const alone = validateModel(makeResults([{ ...busy, machineBusyCores: own + 0.1 }]), EXACT, run);
    expect(alone.cells[0]!.otherCores).toBeCloseTo(0.1, 9);
    expect(alone.cells[0]!.contended).toBeNull();
    const crowded = validateModel(makeResults([{ ...busy, machineBusyCores: own + 0.2, stealCores: 0.1 }]), EXACT, run);
    expect(crowded.cells[0]!.otherCores).toBeCloseTo(0.3, 9);
    expect(crowded.cells[0]!.contended).toBe("shared");
    // Of two repetitions, the one that had the machine to itself stands for the configuration.
    const busyAs = (c: ReturnType<typeof makeCell>, others: number) => ({
      ...c,
      machineBusyCores: c.cpu.reduce((a, u) => a + u.cpu, 0) + others,
    });
    const quiet = busyAs(makeCell({ ...base, rep: 0 }, 200, 5), 0);
    const noisy = busyAs(makeCell({ ...base, rep: 1 }, 100, 9), 1);
    const mixed = validateModel(makeResults([quiet, noisy]), EXACT, run);
    expect(mixed.cells[0]!.reps).toBe(1);
    expect(mixed.cells[0]!.measured).toMatchObject({ throughput: 200, p50Ms: 5, spread: 100 });
    expect(mixed.cells[0]!.contended).toBeNull();
  });

  it("raftlab whatif --validate RUN_DIR writes the comparison beside the run", async () => {
    const run = path.join(dir, "run");
    const base = { size: 3, connections: 1, durationS: 1 } as const;
    const results = makeResults(["none", "batch"].map((flags) => makeCell({ ...base, flags }, 150, 6)));
    rmSync(run, { recursive: true, force: true });
    mkdirSync(run, { recursive: true });
    writeFileSync(path.join(run, "results.json"), JSON.stringify(results));
    const out: string[] = [];
    const io: CommandIo = { out: (t) => void out.push(t), err: (t) => void out.push(t) };
    const argv = ["--validate", run, "--rtt-ms", "1", "--fsync-ms", "2", "--duration", "0.3", "--warmup", "0.1"];
    expect(await whatifCommand(argv, io)).toBe(0);
    const md = readFileSync(path.join(run, "model-validation.md"), "utf8");
    expect(md).toMatch(/^Cells that did not contend for the CPU/);
    expect(md.split("\n").filter((l) => l.startsWith("| none") || l.startsWith("| batch"))).toHaveLength(2);
    const json = JSON.parse(readFileSync(path.join(run, "model-validation.json"), "utf8"));
    expect(json.model.rttMs).toBe(1);
    expect(json.cells).toHaveLength(2);
    // Every process of these cells ran on the run's machine: the simulation shared its cores.
    expect(json.cells.map((c: ValidatedCell) => c.cores)).toEqual([
      results.run.machine.cores,
      results.run.machine.cores,
    ]);
    expect(md).toMatch(/\| none \| 3 \| 1 \| [^|]+ \| \d+ shared \|/);

    // A run with a calibration is simulated with the model taken from it, not the options'.
    writeFileSync(path.join(run, "results.json"), JSON.stringify({ ...results, calibration: SAMPLE_CALIBRATION }));
    const said: string[] = [];
    const quiet: CommandIo = { out: (t) => void said.push(t), err: (t) => void said.push(t) };
    expect(await whatifCommand(argv, quiet)).toBe(0);
    expect(said.join("")).toMatch(/the run's calibration: rtt 0.1 ms/);
    const calibrated = JSON.parse(readFileSync(path.join(run, "model-validation.json"), "utf8"));
    expect(calibrated.model).toEqual(perfModelFromCalibration(SAMPLE_CALIBRATION));
    const bad: string[] = [];
    expect(
      await whatifCommand(["--validate", path.join(dir, "missing")], {
        out: () => {},
        err: (t) => void bad.push(t),
      }),
    ).toBe(64);
    expect(bad.join("")).toMatch(/--validate: cannot read .*results\.json: ENOENT/);
  });

  it("bench --preset validate plans the validation's cells and validates after them", () => {
    const o = parseBenchOptions(["--preset", "validate"]);
    if (o === "help") throw new Error("unexpected help");
    expect(o.validateModel).toBe(true);
    const cells = planCells(o);
    expect(cells).toHaveLength(16 * 2 * 3 * 3 * 2);
    expect(new Set(cells.map((c) => `${c.netDelayMs}/${c.fsyncDelayUs}`))).toEqual(new Set(["0/0", "1/0", "0/1000"]));
    const quick = parseBenchOptions(["--validate-model"]);
    expect(quick !== "help" && quick.validateModel).toBe(true);
  });
});
