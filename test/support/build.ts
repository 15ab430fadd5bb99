// Global setup: compile src/ once (no type check; `npm run typecheck` and CI do that) and point
// RAFTLAB_NODE_BUILD at it, so the node processes the tests start (through LocalCluster) skip tsx's
// loader, as `npm run bench` does (bench/node-build.ts). The build is fresh on every run, so it can
// never be stale. A test that must exercise the tsx path clears the variable for its child.

import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildDir, compileNodes } from "../../bench/node-build.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export default function setup(): () => void {
  const outDir = buildDir("test");
  const started = performance.now();
  compileNodes(outDir);
  process.env.RAFTLAB_NODE_BUILD = outDir;
  console.log(
    `test build: src/ compiled to ${path.relative(root, outDir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return () => rmSync(outDir, { recursive: true, force: true });
}
