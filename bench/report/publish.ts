// A static site of selected runs: each run's folder copied as-is (its page, data and any profiles)
// under one root with an index page, ready to upload to any static host.

import { cp, mkdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { loadRun, ResultsFileError } from "./load.ts";
import { writeRunReport, writeRunsIndex } from "./write.ts";

/** Copies each run folder into `outDir/<folder name>` and writes `outDir/index.html`; returns the folder names. */
export async function publishSite(runDirs: readonly string[], outDir: string): Promise<string[]> {
  for (const dir of runDirs) {
    // Publishing copies the whole folder, so a loose results.json (whose folder may hold anything) is refused.
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new ResultsFileError(`${dir}: not a run folder (publish takes reports/<run-id>/ folders)`, "missing");
  }
  const runs = await Promise.all(runDirs.map((dir) => loadRun(dir)));
  const names = runs.map((r) => basename(r.dir));
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate)
    throw new ResultsFileError(`two runs share the folder name "${duplicate}": rename one to publish both`, "invalid");
  await mkdir(outDir, { recursive: true });
  for (const run of runs) {
    const target = join(outDir, basename(run.dir));
    if (resolve(target) !== resolve(run.dir)) await cp(run.dir, target, { recursive: true });
    // A folder holding only results.json gets its page and CSV now.
    if (!(await exists(join(target, "index.html")))) await writeRunReport(target, run.results);
  }
  await writeRunsIndex(outDir, "raftlab benchmark reports");
  return names;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
