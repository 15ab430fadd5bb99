// Small helpers for command-line options: errors that say what to fix, never a stack trace.

/** A mistake in how a command was called; the CLI prints its message and exits 64. */
export class UsageError extends Error {
  override readonly name = "UsageError";
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
