// Headless Chromium (Debian's `chromium`) for the report rendering tests: prints a page's DOM after
// its scripts ran. Each call uses a fresh profile folder, removed afterwards.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** The DOM of `file` once its scripts settled (up to 10 s of virtual time). */
export async function renderedDom(file: string, timeoutMs = 90_000): Promise<string> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM to its path); the report rendering test needs it`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "raftlab-chromium-"));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        CHROMIUM,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          `--user-data-dir=${profile}`,
          "--virtual-time-budget=10000",
          "--dump-dom",
          pathToFileURL(file).href,
        ],
        { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`chromium failed on ${file}: ${err.message}\n${stderr.slice(-2000)}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** How many elements in `dom` carry `className` (as a whole word of their class attribute). */
export function countClass(dom: string, className: string): number {
  return [...dom.matchAll(/class="([^"]*)"/g)].filter((m) => m[1]!.split(/\s+/).includes(className)).length;
}
