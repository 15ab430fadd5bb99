// Golden transcripts: every test/core/testdata/*.txt script is replayed and its output compared with
// the checked-in expectation. `REWRITE=1 npx vitest run test/core` rewrites them (read the diff!).

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "./support/interaction.ts";

const dir = new URL("./testdata/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort();

describe("core interaction transcripts", () => {
  for (const file of files) {
    it(file, () => {
      const url = new URL(file, dir);
      const text = readFileSync(url, "utf8");
      const actual = runScript(text);
      if (process.env.REWRITE === "1") writeFileSync(url, actual);
      else expect(actual).toBe(text);
    });
  }
});
