// Small helpers for command-line options: errors that say what to fix, never a stack trace.

import { type ParseArgsConfig, parseArgs } from "node:util";
import { type Flags, parseFlagList, parseFlags } from "../core/flags.ts";

/** A mistake in how a command was called; the CLI prints its message on one line and exits 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** node:util's parseArgs, its complaints (unknown option, missing value) turned into usage errors. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function intOption(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got "${raw ?? ""}"`);
  }
  return n;
}

export function numberOption(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${raw ?? ""}"`);
  }
  return n;
}

/** A comma-separated list of numbers, each parsed by `parse` (e.g. intOption's bounds); duplicates dropped. */
export function listOption(name: string, raw: string, parse: (name: string, item: string) => number): number[] {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`${name} must be a comma-separated list, got "${raw}"`);
  return [...new Set(items.map((s) => parse(name, s)))];
}

/** One of a fixed set of words, e.g. `--storage-mode direct`. */
export function choiceOption<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`${name}: "${raw}" is not one of ${choices.join(", ")}`);
  return raw as T;
}

/** `--flags COMBO`: one combination (none, all, or flags joined by "+"). */
export function flagsOption(raw: string): Flags {
  return asUsageError("--flags", () => parseFlags(raw));
}

/** `--flags LIST`: comma-separated combinations, or all-combos. */
export function flagListOption(raw: string): Flags[] {
  return asUsageError("--flags", () => parseFlagList(raw));
}

function asUsageError<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
}
