// `raftlab calibrate` refuses a bad command line at once, before any measuring, in one line.

import { describe, expect, it } from "vitest";
import { calibrateCommand } from "../../src/cli/calibrate.ts";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await calibrateCommand(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe("raftlab calibrate", () => {
  it("refuses an output file in a folder that does not exist, before measuring", async () => {
    const r = await run(["--out", "/nonexistent/calibration.json"]);
    expect(r).toEqual({
      code: 64,
      out: "",
      err: "raftlab calibrate: --out: the folder of /nonexistent/calibration.json does not exist (see 'raftlab calibrate --help')\n",
    });
  });

  it("refuses a value size out of range", async () => {
    const r = await run(["--value-size", "2000000"]);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/^raftlab calibrate: --value-size/);
  });
});
