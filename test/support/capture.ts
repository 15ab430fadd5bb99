// Captures what a command writes: to the process's stdout and stderr (undone by vi.restoreAllMocks), or
// to a command's own io.

import { expect, vi } from "vitest";
import type { CommandIo } from "../../src/cli/command.ts";

type Command = (argv: string[], io: CommandIo) => Promise<number>;

export function captureOutput(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  return { out, err };
}

/** A command's io that keeps what it writes (src/cli/command.ts). */
export function captureIo(): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    tty: false,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

/** Runs `command` on `argv` and checks it refused them as a CLI should: exit 64, one line matching `pattern`, no stack. */
export async function expectUsageError(command: Command, argv: string[], pattern: RegExp): Promise<void> {
  const io = captureIo();
  expect(await command(argv, io)).toBe(64);
  expect(io.stderr).toMatch(pattern);
  expect(io.stderr.trim().split("\n")).toHaveLength(1);
  expect(io.stderr).not.toMatch(/\n\s+at /);
}
