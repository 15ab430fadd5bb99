import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/support/build.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 60_000,
    // Two test files at a time (vitest's default here is one: cores - 1), and at most four
    // concurrent tests in a file (e.g. clusters of the flag-combination test): most tests wait on
    // node processes, and more would starve those processes of CPU.
    maxWorkers: 2,
    maxConcurrency: 4,
    hookTimeout: 60_000,
  },
});
