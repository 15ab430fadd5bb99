// The four flags (docs/DESIGN.md "The four flags") and their canonical spelling: flags joined with `+` in this
// fixed order, `none` for the empty combination; on input `all` means all four and `all-combos`
// the sixteen combinations.

export const FLAG_NAMES = ["batch", "pipeline", "parallel-append", "async-apply"] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

export interface Flags {
  readonly batch: boolean;
  readonly pipeline: boolean;
  readonly parallelAppend: boolean;
  readonly asyncApply: boolean;
}

export const NO_FLAGS: Flags = { batch: false, pipeline: false, parallelAppend: false, asyncApply: false };

const FIELD: Record<FlagName, keyof Flags> = {
  batch: "batch",
  pipeline: "pipeline",
  "parallel-append": "parallelAppend",
  "async-apply": "asyncApply",
};

/** Parses one combination (`none`, `all`, `batch+pipeline`, in any order). Throws a message naming the bad part. */
export function parseFlags(text: string): Flags {
  const s = text.trim();
  if (s === "none" || s === "") return NO_FLAGS;
  if (s === "all") return { batch: true, pipeline: true, parallelAppend: true, asyncApply: true };
  const out: Record<keyof Flags, boolean> = { ...NO_FLAGS };
  for (const part of s.split("+")) {
    const name = part.trim() as FlagName;
    if (!(name in FIELD)) {
      throw new Error(
        `unknown flag "${part}" in "${text}": use ${FLAG_NAMES.join(", ")} joined with "+", or "none", "all", "all-combos"`,
      );
    }
    out[FIELD[name]] = true;
  }
  return out;
}

/** The canonical spelling of a combination. */
export function formatFlags(flags: Flags): string {
  const on = FLAG_NAMES.filter((n) => flags[FIELD[n]]);
  return on.length === 0 ? "none" : on.join("+");
}

/** All sixteen combinations, from `none` to `all`, in a stable order (by bit pattern in flag order). */
export function allCombos(): Flags[] {
  const out: Flags[] = [];
  for (let bits = 0; bits < 16; bits++) {
    out.push({
      batch: (bits & 1) !== 0,
      pipeline: (bits & 2) !== 0,
      parallelAppend: (bits & 4) !== 0,
      asyncApply: (bits & 8) !== 0,
    });
  }
  return out;
}

/** Parses a comma-separated list of combinations; `all-combos` expands to the sixteen. Deduplicates. */
export function parseFlagList(text: string): Flags[] {
  const seen = new Map<string, Flags>();
  for (const item of text.split(",")) {
    const combos = item.trim() === "all-combos" ? allCombos() : [parseFlags(item)];
    for (const f of combos) seen.set(formatFlags(f), f);
  }
  return [...seen.values()];
}
