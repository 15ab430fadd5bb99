// The container image (deploy/Dockerfile) cannot be built here, so what it relies on is checked:
// every file it copies exists, its compile step and entry point are the ones the bench's node build
// uses, the node runs with production dependencies only (`npm ci --omit=dev`), and its health check
// tells a serving node from an absent one.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freeBasePort, startCluster, type TestCluster } from "../support/cluster.ts";
import { waitUntil } from "../support/wait.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dockerfile = readFileSync(path.join(ROOT, "deploy/Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
const build = process.env.RAFTLAB_NODE_BUILD!;
/** The image's build directory, as the Dockerfile's compile step names it. */
const OUT_DIR = /--outDir (\S+)/.exec(dockerfile)?.[1];

function jsonArray(instruction: string): string[] {
  const line = instructions.find((l) => l.startsWith(`${instruction} `));
  if (!line) throw new Error(`no ${instruction} in deploy/Dockerfile`);
  return JSON.parse(line.slice(line.indexOf("[")));
}

/**
 * A copy of the image's /app: the compiled build and node_modules holding only the packages
 * `npm ci --omit=dev` installs (hard links, so it costs no copying).
 */
function productionApp(dir: string): string {
  const listed = execFileSync("npm", ["ls", "--omit=dev", "--parseable", "--all"], { cwd: ROOT, encoding: "utf8" });
  for (const pkg of listed.split("\n").filter((p) => p.startsWith(path.join(ROOT, "node_modules")))) {
    const to = path.join(dir, path.relative(ROOT, pkg));
    mkdirSync(path.dirname(to), { recursive: true });
    if (!existsSync(to)) execFileSync("cp", ["-al", pkg, to]);
  }
  execFileSync("cp", ["-al", build, path.join(dir, OUT_DIR!)]);
  return dir;
}

describe("deploy/Dockerfile", () => {
  it("builds on the official Node 20 slim image and runs as a non-root user", () => {
    const bases = instructions.filter((l) => l.startsWith("FROM ")).map((l) => l.split(/\s+/)[1]);
    expect(bases).toEqual(["node:20-bookworm-slim", "node:20-bookworm-slim"]);
    expect(instructions).toContain("USER node");
  });

  it("copies only files that exist", () => {
    const copies = instructions.filter((l) => l.startsWith("COPY ") && !l.includes("--from="));
    expect(copies.length).toBeGreaterThanOrEqual(4);
    for (const line of copies) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const s of sources) expect(existsSync(path.join(ROOT, s)), `${line}: ${s}`).toBe(true);
    }
  });

  it("compiles as the bench's node build does, and enters through its compiled main", () => {
    expect(dockerfile).toContain("tsc -p tsconfig.build.json --noCheck");
    const [node, entry, command] = jsonArray("ENTRYPOINT");
    expect([node, command]).toEqual(["node", "node"]);
    expect(entry).toMatch(new RegExp(`^/app/${OUT_DIR}/`));
    const inBuild = path.join(build, path.relative(`/app/${OUT_DIR}`, entry!));
    expect(existsSync(inBuild), inBuild).toBe(true);
    const help = spawnSync(process.execPath, [inBuild, "node", "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--cluster-from-dns DOMAIN:N");
  });

  it("runs a node on production dependencies only (npm ci --omit=dev)", async () => {
    expect(dockerfile).toContain("npm ci --omit=dev");
    const app = productionApp(mkdtempSync(path.join(tmpdir(), "raftlab-image-")));
    const port = await freeBasePort(1);
    const [, entry] = jsonArray("ENTRYPOINT");
    const child = spawn(
      process.execPath,
      [
        path.join(app, path.relative("/app", entry!)),
        ...["node", "--id", "1", "--peers", `1=127.0.0.1:${port}:${port + 1}`, "--data-dir", path.join(app, "data")],
      ],
      { stdio: "ignore" },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitUntil(async () => (await fetch(`${url}/status`)).ok, "the node to serve /status", 30_000);
      const put = await waitUntil(
        async () => {
          const r = await fetch(`${url}/kv/image`, { method: "PUT", body: "ok" });
          return r.status === 200 || r.status === 204 ? r : null;
        },
        "a write to succeed",
        30_000,
      );
      expect(put.ok).toBe(true);
      expect(existsSync(path.join(app, "node_modules", "vitest"))).toBe(false);
    } finally {
      child.kill("SIGKILL");
      rmSync(app, { recursive: true, force: true });
    }
  }, 90_000);

  describe("health check", () => {
    let t: TestCluster;
    beforeAll(async () => {
      t = await startCluster(1);
    }, 60_000);
    afterAll(() => t?.stop());

    const check = (port: number): number | null => {
      const argv = jsonArray("HEALTHCHECK");
      expect(argv[0]).toBe("node");
      return spawnSync(process.execPath, argv.slice(1), {
        env: { ...process.env, RAFTLAB_CLIENT_PORT: String(port) },
        timeout: 30_000,
      }).status;
    };

    it("passes on a serving node and fails where none listens", async () => {
      const port = Number(new URL(t.cluster.clientUrl(1)).port);
      expect(check(port)).toBe(0);
      expect(check(await freeBasePort(1))).toBe(1);
    });
  });
});
