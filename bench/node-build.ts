// Compiled node processes for measurements. Under tsx's loader every closure pays a `__name` helper
// call and each process starts a loader thread and an esbuild child, which costs the leader about
// 1.3 µs per write and about half of each node's start-up CPU; measured figures should not include
// that. So `bench` and `profile` compile src/ once per run (no type check, ~2 s) into a git-ignored
// directory of their own, point RAFTLAB_NODE_BUILD at it (src/node/local-cluster.ts), and remove it
// afterwards. The test suite uses the same build (test/support/build.ts).

import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Compiles src/ (and what it imports) into `outDir`, replacing what was there; returns the compiler's version. */
export function compileNodes(outDir: string): string {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve("typescript/bin/tsc");
  const version = (JSON.parse(readFileSync(require.resolve("typescript/package.json"), "utf8")) as { version: string })
    .version;
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [tsc, "-p", path.join(ROOT, "tsconfig.build.json"), "--noCheck", "--sourceMap", "false", "--outDir", outDir],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  return version;
}

/** Inside the checkout (git-ignored), so compiled files resolve node_modules as the sources do; one per process. */
export function buildDir(purpose: string): string {
  return path.join(ROOT, "dist", `${purpose}-build-${process.pid}`);
}

export interface NodeBuild {
  /** How the node processes run, for the record: `compiled (tsc 5.9.3)` or `sources through tsx`. */
  readonly runtime: string;
  /** Removes the build (when this process made it) and restores RAFTLAB_NODE_BUILD. */
  release(): void;
}

/**
 * Makes the node processes this process starts run compiled: keeps a RAFTLAB_NODE_BUILD that is
 * already set (the caller owns it), else compiles one. Without the compiler (a production install)
 * the nodes run through tsx and `runtime` says so.
 */
export function useCompiledNodes(purpose: string, log: (line: string) => void): NodeBuild {
  const given = process.env.RAFTLAB_NODE_BUILD;
  if (given) return { runtime: `compiled (given in RAFTLAB_NODE_BUILD=${given})`, release: () => {} };
  const dir = buildDir(purpose);
  const started = performance.now();
  let version: string;
  try {
    version = compileNodes(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    log(
      `${purpose}: could not compile the node sources (${(err as Error).message.split("\n")[0]}); ` +
        "nodes run through tsx, which costs the leader about 1.3 µs per write",
    );
    return { runtime: "sources through tsx", release: () => {} };
  }
  log(`${purpose}: node sources compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.env.RAFTLAB_NODE_BUILD = dir;
  return {
    runtime: `compiled (tsc ${version})`,
    release: () => {
      delete process.env.RAFTLAB_NODE_BUILD;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
