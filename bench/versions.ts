// Versions of what a measurement depends on, written into every run.

import { readFileSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);

function packageVersion(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(new URL(`${dir}/package.json`, ROOT), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

export function versions(extra: Record<string, string | null> = {}): Record<string, string> {
  const all: Record<string, string | null> = {
    node: process.version,
    raftlab: packageVersion("."),
    uws: packageVersion("node_modules/@trufflesuite/uws-js-unofficial"),
    autocannon: packageVersion("node_modules/autocannon"),
    "hdr-histogram-js": packageVersion("node_modules/hdr-histogram-js"),
    ...extra,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
}
