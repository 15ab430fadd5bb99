// Ctrl-C for long commands (src/cli/interrupt.ts), in a child process of its own so the signal is
// real: it aborts the work's signal, the command exits 130, and the handlers are gone afterwards.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { waitUntil } from "../support/wait.ts";

const MODULE = fileURLToPath(new URL("../../src/cli/interrupt.ts", import.meta.url));

// Work that fails once aborted, as a cluster run does when its cluster is stopped under it (the
// interval stands for the cluster's sockets, which keep the process alive meanwhile).
const SCRIPT = `
const { exitOnInterrupt } = await import(${JSON.stringify(MODULE)});
const alive = setInterval(() => {}, 1000);
const code = await exitOnInterrupt((signal) => new Promise((_, reject) => {
  console.log("ready");
  signal.addEventListener("abort", () => reject(new Error("stopped")));
}));
clearInterval(alive);
console.log(JSON.stringify({ code, listeners: process.listenerCount("SIGINT") + process.listenerCount("SIGTERM") }));
`;

describe("exitOnInterrupt", () => {
  it("turns SIGINT into an aborted signal and exit status 130, then removes its handlers", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SCRIPT], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    await waitUntil(() => out.includes("ready"), "the work to start", 30_000);
    child.kill("SIGINT");
    await waitUntil(() => out.includes("{"), "the command to finish", 30_000);
    expect(JSON.parse(out.slice(out.indexOf("{")))).toEqual({ code: 130, listeners: 0 });
  });
});
