// The node's replication knobs: parsed, validated with errors that name the option, documented in
// --help, and turned into the core's config (where a flag that is off still wins).

import { describe, expect, it } from "vitest";
import { NODE_USAGE, parseNodeOptions } from "../../src/cli/node.ts";
import { UsageError } from "../../src/cli/options.ts";
import { configFromFlags, DEFAULTS } from "../../src/core/config.ts";
import { parseFlags } from "../../src/core/flags.ts";
import type { NodeOptions } from "../../src/server/raft-node.ts";

const REQUIRED = ["--id", "1", "--peers", "1=127.0.0.1:7001:7101", "--data-dir", "/tmp/x"];

function parse(extra: string[]): NodeOptions {
  const o = parseNodeOptions([...REQUIRED, ...extra]);
  if (o === "help") throw new Error("unexpected help");
  return o;
}

describe("node replication knobs", () => {
  it("default to the core's defaults", () => {
    expect(parse([]).knobs).toEqual({
      maxInflight: DEFAULTS.maxInflight,
      maxInflightBytes: DEFAULTS.maxInflightBytes,
      maxBatchEntries: DEFAULTS.maxBatchEntries,
      maxBatchBytes: DEFAULTS.maxBatchBytes,
      maxApplyBytes: DEFAULTS.maxApplyBytes,
    });
  });

  it("parse every knob and reach the config; a flag that is off still forces its own value", () => {
    const o = parse([
      "--max-inflight",
      "4",
      "--max-inflight-bytes",
      "0",
      "--max-batch-entries",
      "32",
      "--max-batch-bytes",
      "65536",
      "--max-apply-bytes",
      "1024",
    ]);
    expect(o.knobs).toEqual({
      maxInflight: 4,
      maxInflightBytes: 0,
      maxBatchEntries: 32,
      maxBatchBytes: 65536,
      maxApplyBytes: 1024,
    });
    const on = configFromFlags(1, [1], parseFlags("all"), o.knobs);
    expect([on.maxInflight, on.maxInflightBytes, on.maxBatchEntries, on.maxBatchBytes, on.maxApplyBytes]).toEqual([
      4, 0, 32, 65536, 1024,
    ]);
    const off = configFromFlags(1, [1], parseFlags("none"), o.knobs);
    expect([off.maxInflight, off.maxBatchEntries, off.maxApplyBytes]).toEqual([1, 1, 1024]);
  });

  it.each([
    [["--max-inflight", "0"], /--max-inflight must be an integer from 1/],
    [["--max-inflight", "2.5"], /--max-inflight must be an integer/],
    [["--max-inflight-bytes=-1"], /--max-inflight-bytes must be an integer from 0/],
    [["--max-batch-entries", "x"], /--max-batch-entries must be an integer from 1/],
    [["--max-batch-bytes", "0"], /--max-batch-bytes must be an integer from 1/],
    [["--max-apply-bytes", ""], /--max-apply-bytes must be an integer from 1/],
  ])("rejects %j with a usage error naming the option", (argv, pattern) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(pattern);
  });

  it("are documented in --help", () => {
    expect(parseNodeOptions(["--help"])).toBe("help");
    for (const opt of [
      "--max-inflight",
      "--max-inflight-bytes",
      "--max-batch-entries",
      "--max-batch-bytes",
      "--max-apply-bytes",
    ]) {
      expect(NODE_USAGE).toContain(opt);
    }
  });
});
