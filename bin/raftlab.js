#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so the command works from a fresh clone without a
// build. With RAFTLAB_BUILD_DIR=DIR it runs the compiled tree there instead (`npm run build` writes
// dist/): a node then starts on about half the CPU, with no loader thread and no esbuild child. The
// test suite uses it for the hundreds of nodes it starts.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const buildDir = process.env.RAFTLAB_BUILD_DIR;
let main;
if (buildDir) {
  ({ main } = await import(pathToFileURL(path.resolve(buildDir, "src/cli/main.js")).href));
} else {
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
