// Reading a results.json back: from a run folder or the file itself, with one-line errors that say
// what is wrong (missing, not JSON, not a raftlab results file) instead of a crash deeper down.

import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { calibrationProblem } from "../calibrate/calibration.ts";
import type { Results } from "../results.ts";

export class ResultsFileError extends Error {
  override readonly name = "ResultsFileError";
  constructor(
    message: string,
    /** `missing`: no such file or folder; `invalid`: the file is not a raftlab results.json. */
    readonly kind: "missing" | "invalid",
  ) {
    super(message);
  }
}

export interface LoadedRun {
  readonly results: Results;
  /** The results.json that was read. */
  readonly file: string;
  /** The folder holding it: the run's report folder. */
  readonly dir: string;
}

/** Reads `PATH/results.json` when PATH is a folder, else PATH itself. */
export async function loadRun(path: string): Promise<LoadedRun> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, "results.json");
  } catch {
    throw new ResultsFileError(`${path}: no such file or folder`, "missing");
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ResultsFileError(
      code === "ENOENT" ? `${path}: has no results.json` : `${file}: cannot read (${code ?? String(err)})`,
      "missing",
    );
  }
  return { results: parseResults(text, file), file, dir: dirname(file) };
}

/** Parses and checks the fields the reports rely on; names the first thing that is wrong. */
function parseResults(text: string, name: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResultsFileError(`${name}: not JSON (${(err as Error).message})`, "invalid");
  }
  const fail = (what: string): never => {
    throw new ResultsFileError(`${name}: not a raftlab results file (${what})`, "invalid");
  };
  if (!isObject(data)) return fail("expected an object with run and cells");
  const { run, cells } = data;
  if (!isObject(run) || typeof run.id !== "string" || typeof run.startedAt !== "string")
    return fail("run.id and run.startedAt must be strings");
  if (!isObject(run.machine) || !isObject(run.versions) || !isObject(run.options))
    return fail("run.machine, run.versions and run.options must be objects");
  if (!Array.isArray(cells)) return fail("cells must be an array");
  const calibration = data.calibration === undefined ? null : calibrationProblem(data.calibration);
  if (calibration) return fail(`calibration: ${calibration}`);
  cells.forEach((cell: unknown, i) => {
    if (!isObject(cell)) {
      fail(`cell ${i} is not an object`);
      return;
    }
    for (const field of ["system", "flags", "status"] as const)
      if (typeof cell[field] !== "string") fail(`cell ${i}: ${field} must be a string`);
    for (const field of ["size", "rep", "throughput"] as const)
      if (typeof cell[field] !== "number") fail(`cell ${i}: ${field} must be a number`);
    if (typeof cell.connections !== "number" && typeof cell.rate !== "number")
      fail(`cell ${i}: needs connections or rate`);
    if (!isObject(cell.latencyMs)) fail(`cell ${i}: latencyMs must be an object`);
    if (!Array.isArray(cell.percentiles) || !Array.isArray(cell.cpu))
      fail(`cell ${i}: percentiles and cpu must be arrays`);
  });
  return data as unknown as Results;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
