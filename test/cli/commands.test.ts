// Every sub-command has the same shape: `--help` prints its usage and exits 0; a bad command line is
// one line on stderr naming the mistake, no stack trace, exit 64.

import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";

afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

/** Each command with a command line whose option value is wrong. */
const BAD_VALUE: Record<string, { argv: string[]; names: string }> = {
  node: { argv: ["--id", "x", "--peers", "1=127.0.0.1:7001:7101", "--data-dir", "d"], names: "--id" },
  cluster: { argv: ["--nodes", "0"], names: "--nodes" },
  report: { argv: ["compare", "only-one"], names: "compare needs two runs" },
  check: { argv: ["--budget", "0", "history.jsonl"], names: "--budget" },
  sim: { argv: ["--flags", "turbo"], names: "--flags" },
  bench: { argv: ["--flags", "turbo"], names: "--flags" },
  profile: { argv: ["--tool", "perf"], names: "--tool" },
  calibrate: { argv: ["--kind", "long"], names: "--kind" },
  chaos: { argv: ["--flags", "turbo"], names: "--flags" },
  loadgen: { argv: ["--listen", "nohost"], names: "--listen" },
  whatif: { argv: ["--fsync-ms", "2:1"], names: "--fsync-ms" },
};
const COMMANDS = Object.keys(BAD_VALUE);

describe("raftlab sub-commands", () => {
  it("are the ones the top-level help lists", async () => {
    const { code, out } = await run(["--help"]);
    expect(code).toBe(0);
    const listed = [...out.split("Commands:")[1]!.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...COMMANDS].sort());
  });

  for (const name of COMMANDS) {
    it(`${name} --help prints its usage and exits 0`, async () => {
      const { code, out, err } = await run([name, "--help"]);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage/);
      expect(out).toContain(`raftlab ${name}`.replace("raftlab sim", "npm run sim"));
      expect(err).toBe("");
    });

    for (const [what, argv, names] of [
      ["an unknown option", ["--no-such-option"], "--no-such-option"],
      ["a bad value", BAD_VALUE[name]!.argv, BAD_VALUE[name]!.names],
    ] as const) {
      it(`${name} answers ${what} with one line and exit 64`, async () => {
        const { code, out, err } = await run([name, ...argv]);
        expect(code).toBe(64);
        expect(out).toBe("");
        expect(err).toMatch(new RegExp(`^raftlab ${name}: .+ \\(see 'raftlab ${name} --help'\\)\\n$`));
        expect(err).toContain(names);
        expect(err.trim().split("\n")).toHaveLength(1);
        expect(err).not.toMatch(/\bat .+:\d+:\d+/);
      });
    }
  }
});

describe("raftlab cluster --add-node", () => {
  it.each([
    [["--learner"], "--learner goes with --add-node"],
    [["--add-node"], "--add-node needs --data-dir D"],
    [["--add-node", "--data-dir", "d", "--nodes", "5"], "--nodes conflicts with --add-node"],
    [["--add-node", "--data-dir", "/nonexistent/raftlab"], "holds no cluster.yaml"],
  ])("%j is refused in one line: %s", async (argv, names) => {
    const { code, out, err } = await run(["cluster", ...argv]);
    expect([code, out]).toEqual([64, ""]);
    expect(err).toContain(names);
    expect(err.trim().split("\n")).toHaveLength(1);
  });
});
