// `raftlab bench`: the sweep of cluster sizes × flag combinations × load levels (bench/sweep.ts).
// Ctrl-C stops the current cluster and load generator, keeps what was measured, and exits 130.

import path from "node:path";
import { perfModelFromCalibration } from "../../bench/calibrate/perf-model.ts";
import { planCells } from "../../bench/plan.ts";
import { clock } from "../../bench/progress.ts";
import { runSweep } from "../../bench/sweep.ts";
import { writeModelValidation } from "../../bench/validate/model-validation.ts";
import { DEFAULT_PERF_MODEL } from "../sim/perf-model.ts";
import { BENCH_USAGE, parseBenchOptions } from "./bench-options.ts";
import { command } from "./command.ts";
import { interruptible } from "./interrupt.ts";

/** Start-up, election and tear-down of a cell on a 2-core machine (seconds), for the up-front estimate. */
const cellOverheadS = (size: number): number => 2 + 0.7 * size;

export const benchCommand = command("bench", async (argv, io) => {
  const opts = parseBenchOptions(argv);
  if (opts === "help") {
    io.out(`${BENCH_USAGE}\n`);
    return 0;
  }
  const cells = planCells(opts);
  const n = cells.length;
  const estimate = cells.reduce((ms, c) => ms + (c.warmupS + c.durationS + cellOverheadS(c.size)) * 1000, 0);
  io.out(
    `bench: ${n} cells (preset ${opts.preset}), about ${clock(estimate)}; Ctrl-C stops and keeps what was measured\n`,
  );
  const stopping = (): void => void io.out("\nbench: stopping (the current cell is dropped)\n");
  return interruptible(async (signal) => {
    const t0 = Date.now();
    const { dir, results, interrupted } = await runSweep(opts, {
      log: (line) => io.out(`${line}\n`),
      signal,
    });
    const failed = results.cells.filter((c) => c.status === "failed").length;
    io.out(
      `bench: ${results.cells.length} cells (${failed} failed) in ${clock(Date.now() - t0)}${interrupted ? ", interrupted" : ""}\n` +
        `report: ${path.resolve(dir, "index.html")}\n`,
    );
    if (opts.validateModel && !interrupted) {
      // This run's calibration when it took one: the model of this machine as it was during the run.
      const model = results.calibration ? perfModelFromCalibration(results.calibration) : DEFAULT_PERF_MODEL;
      io.out(
        `validate-model: ${results.calibration ? "the run's calibration" : "the default model (no calibration)"}\n`,
      );
      const summary = writeModelValidation(dir, results, model, (done, total) => {
        if (done === total || done % 16 === 0) io.out(`validate-model: simulated ${done}/${total} cells\n`);
      });
      io.out(`${summary}\nvalidation: ${path.resolve(dir, "model-validation.md")}\n`);
    }
    return interrupted ? 130 : 0;
  }, stopping);
});
