// Global setup: compile src/ once (no type check; `npm run typecheck` and CI do that) into a build
// directory and point RAFTLAB_NODE_BUILD at it, so the node processes the tests start (through
// LocalCluster) skip tsx's loader. The build is fresh on every run, so it can never be stale. A test
// that must exercise the tsx path, as a user's `npm run bench` does, clears the variable for its child.

import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Inside the checkout (git-ignored), so the compiled files resolve node_modules as the sources do;
// one per run, so two runs at once do not remove each other's.
const outDir = path.join(root, "dist", `test-build-${process.pid}`);

export default function setup(): () => void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const started = performance.now();
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [tsc, "-p", path.join(root, "tsconfig.build.json"), "--noCheck", "--sourceMap", "false", "--outDir", outDir],
    { stdio: "inherit" },
  );
  process.env.RAFTLAB_NODE_BUILD = outDir;
  console.log(
    `test build: src/ compiled to ${path.relative(root, outDir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return () => rmSync(outDir, { recursive: true, force: true });
}
