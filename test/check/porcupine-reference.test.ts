// The checker agrees with the known verdicts of Porcupine's reference histories (converted to raftlab's
// JSON Lines and read back through the parser). A history whose search exhausts the budget must come
// back "unknown", never with the wrong verdict; such histories are listed.

import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readHistory } from "../../src/check/history.ts";
import { type CheckResult, checkOperations } from "../../src/check/linearizability.ts";
import { convertJepsenLog, convertKvLog, PORCUPINE_DIR, toJsonLines } from "./support/convert-porcupine.ts";

const read = (path: string): string => readFileSync(new URL(path, PORCUPINE_DIR), "utf8");
const expected = JSON.parse(read("expected.json")) as Record<string, boolean>;
const jepsen = readdirSync(new URL("jepsen/", PORCUPINE_DIR))
  .filter((f) => /^etcd_\d{3}\.log$/.test(f) && f.slice(5, 8) in expected) // etcd_095 has no verdict
  .sort();
const kv = ["c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"];

const undecided: string[] = [];
let totalMs = 0;

function checkAgainst(name: string, text: string, linearizable: boolean): CheckResult {
  const result = checkOperations(readHistory(text));
  totalMs += result.elapsedMs;
  if (result.verdict === "unknown") undecided.push(name);
  else expect(result.verdict, name).toBe(linearizable ? "linearizable" : "not linearizable");
  return result;
}

afterAll(() => {
  const histories = jepsen.length + kv.length;
  console.log(
    `checker time over ${histories} reference histories: ${totalMs.toFixed(0)} ms; undecided: ${undecided.join(", ") || "none"}`,
  );
});

describe("Porcupine reference histories", () => {
  it("covers the whole reference set except etcd_095", () => {
    expect(jepsen).toHaveLength(102);
    expect(jepsen).not.toContain("etcd_095.log");
  });

  it.each(jepsen)("jepsen %s matches expected.json", (file) => {
    const id = file.slice(5, 8);
    checkAgainst(file, toJsonLines(convertJepsenLog(read(`jepsen/${file}`))), expected[id]!);
  });

  it.each(kv)("kv %s matches its name", (name) => {
    const result = checkAgainst(name, toJsonLines(convertKvLog(read(`kv/${name}.txt`))), name.endsWith("-ok"));
    expect(result.partitions).toBe(name === "c01-bad" ? 8 : 10);
  });

  it("with a tiny budget gives the right verdict or unknown, never the wrong one", () => {
    let decided = 0;
    for (const file of jepsen) {
      const result = checkOperations(readHistory(toJsonLines(convertJepsenLog(read(`jepsen/${file}`)))), {
        budget: 200,
      });
      if (result.verdict === "unknown") continue;
      decided++;
      expect(result.verdict, file).toBe(expected[file.slice(5, 8)] ? "linearizable" : "not linearizable");
    }
    expect(decided).toBeGreaterThan(0);
    expect(decided).toBeLessThan(jepsen.length);
  });

  it("decides every reference history within the default budget", () => {
    expect(undecided).toEqual([]);
  });
});
