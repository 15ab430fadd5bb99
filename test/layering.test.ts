// Imports run one way: every top-level folder of src/ (and bench/ as a whole) has a layer, and a file
// may import only from its own folder or from a folder of a lower layer. No file imports itself back
// through a chain of imports. A new folder must be given its layer here.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Lower imports nothing above it; folders of one layer do not import each other. */
const LAYERS: Record<string, number> = {
  "src/core": 0,
  "src/page": 0,
  "src/storage": 1,
  "src/transport": 1,
  "src/check": 1,
  "src/node": 2,
  "src/api": 3,
  "src/sim": 3,
  "src/chaos": 3,
  "src/server": 4,
  bench: 5,
  "src/cli": 6,
};

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** The project files `file` imports (static, dynamic and type-only), as paths from the root. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => path.posix.normalize(path.posix.join(path.posix.dirname(file), name)));
}

function folderOf(file: string): string {
  const parts = file.split("/");
  return parts[0] === "src" ? `src/${parts[1]}` : parts[0]!;
}

const files = [...tsFiles("src"), ...tsFiles("bench")];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("layering", () => {
  it("finds the import graph", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get("src/cli/main.ts")!.length).toBeGreaterThan(0);
  });

  it("gives every folder a layer", () => {
    const unranked = [...new Set(files.map(folderOf))].filter((f) => LAYERS[f] === undefined);
    expect(unranked, "add these folders to LAYERS").toEqual([]);
  });

  it("imports only from the same folder or a lower layer", () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      for (const target of imports) {
        const to = folderOf(target);
        if (to === from) continue;
        if (!(to in LAYERS) || !(from in LAYERS) || LAYERS[to]! >= LAYERS[from]!) {
          upward.push(`${file} -> ${target} (${from} ${LAYERS[from]} -> ${to} ${LAYERS[to] ?? "outside the layers"})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "open");
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
