// Reading calibration.json: a good file round-trips; a missing, non-JSON or incomplete one is
// refused with a one-line message that names the file and the field.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readCalibration } from "../../bench/calibrate/calibration.ts";
import { SAMPLE_CALIBRATION } from "../support/calibration.ts";

const GOOD = SAMPLE_CALIBRATION;
const cost = GOOD.applyUs;

function file(content: string): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), "raftlab-cal-")), "calibration.json");
  writeFileSync(f, content);
  return f;
}

describe("readCalibration", () => {
  it("reads a calibration", () => {
    expect(readCalibration(file(JSON.stringify(GOOD)))).toEqual(GOOD);
  });

  it("refuses a missing file, non-JSON, and a missing or non-positive figure", () => {
    expect(() => readCalibration("/nonexistent/calibration.json")).toThrow(
      "cannot read calibration /nonexistent/calibration.json: ENOENT",
    );
    expect(() => readCalibration(file("{"))).toThrow(/is not JSON$/);
    const { peerRttUs: _, ...noRtt } = GOOD;
    expect(() => readCalibration(file(JSON.stringify(noRtt)))).toThrow(/peerRttUs\.p50 must be a positive number/);
    const zero = { ...GOOD, applyUs: { ...cost, us: 0 } };
    expect(() => readCalibration(file(JSON.stringify(zero)))).toThrow(/applyUs\.us must be a positive number/);
    expect(() => readCalibration(file(JSON.stringify({ ...GOOD, kind: "long" })))).toThrow(/kind must be/);
  });
});
