// Groups a run's cells into "points": the repetitions of one measurement (same system, combination,
// size, load level and environment), with their mean and min–max spread. Charts, the summary and
// the comparison all read points, so they agree on what "the same measurement" means.

import { allCombos, formatFlags } from "../../src/core/flags.ts";
import type { Cell, CellConfig, Results } from "../results.ts";

/** The environment knobs that make two cells different measurements (duration and warm-up do not). */
export const ENV_KNOBS = [
  "valueSize",
  "keys",
  "keyDist",
  "readRatio",
  "readMode",
  "netDelayMs",
  "netJitterMs",
  "netLoss",
  "fsyncDelayUs",
  "applyCostUs",
  "maxInflight",
  "maxInflightBytes",
  "maxBatchEntries",
  "maxBatchBytes",
  "maxApplyBytes",
] as const satisfies readonly (keyof CellConfig)[];
export type EnvKnob = (typeof ENV_KNOBS)[number];

export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** How many repetitions the figures come from. */
  readonly n: number;
}

export interface Point {
  /** Identifies the measurement across runs: system, flags, size, load and every env knob. */
  readonly key: string;
  /** What the charts call the series: the combination for raftlab, the system name for a peer. */
  readonly series: string;
  readonly system: string;
  readonly flags: string;
  readonly size: number;
  readonly loadKind: "connections" | "rate";
  readonly load: number;
  /** `128 conn` or `5000 req/s`. */
  readonly loadLabel: string;
  /** The env knobs that vary within the run, spelled out (`net 5 ms · fsync +1000 µs`); "" if none vary. */
  readonly scenario: string;
  readonly cells: readonly Cell[];
  readonly throughput: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
}

export const RAFTLAB = "raftlab";

function seriesOf(cell: Pick<Cell, "system" | "flags">): string {
  return cell.system === RAFTLAB ? cell.flags : cell.system;
}

/** Every series in a stable order: the sixteen combinations in flag order, then peer systems by name. */
export function seriesOrder(results: Results): string[] {
  const combos = allCombos().map(formatFlags);
  const present = new Set(results.cells.map(seriesOf));
  const peers = [...present].filter((s) => !combos.includes(s)).sort();
  return [...combos.filter((c) => present.has(c)), ...peers];
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: sum / values.length, min, max, n: values.length };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Whether two measurements differ beyond the spread of their repetitions: their min–max intervals do
 * not overlap. Null when either side has a single repetition (no spread to compare against).
 */
export function differsBeyondSpread(a: Spread, b: Spread): boolean | null {
  if (a.n < 2 || b.n < 2) return null;
  return a.max < b.min || b.max < a.min;
}

export function loadOf(cell: CellConfig): { kind: "connections" | "rate"; value: number; label: string } {
  if (cell.connections !== null)
    return { kind: "connections", value: cell.connections, label: `${cell.connections} conn` };
  const rate = cell.rate ?? 0;
  return { kind: "rate", value: rate, label: `${rate} req/s` };
}

/** The measurement identity of a cell: everything but the repetition number and the run length. */
export function measurementKey(cell: CellConfig): string {
  const load = loadOf(cell);
  return JSON.stringify([cell.system, cell.flags, cell.size, load.kind, load.value, ...ENV_KNOBS.map((k) => cell[k])]);
}

const KNOB_LABEL: Record<EnvKnob, (v: CellConfig[EnvKnob]) => string> = {
  valueSize: (v) => `value ${String(v)} B`,
  keys: (v) => `${String(v)} keys`,
  keyDist: (v) => String(v),
  readRatio: (v) => `reads ${Math.round(Number(v) * 100)}%`,
  readMode: (v) => `${String(v)} reads`,
  netDelayMs: (v) => `net ${String(v)} ms`,
  netJitterMs: (v) => `jitter ${String(v)} ms`,
  netLoss: (v) => `loss ${Math.round(Number(v) * 1000) / 10}%`,
  fsyncDelayUs: (v) => `fsync +${String(v)} µs`,
  applyCostUs: (v) => `apply ${String(v)} µs`,
  maxInflight: (v) => `inflight ${String(v)}`,
  maxInflightBytes: (v) => `inflight bytes ${String(v)}`,
  maxBatchEntries: (v) => `batch entries ${String(v)}`,
  maxBatchBytes: (v) => `batch bytes ${String(v)}`,
  maxApplyBytes: (v) => `apply bytes ${String(v)}`,
};

/**
 * The env knobs whose value differs between cells of the run. A replication knob a cell does not
 * set (a peer system, or the node's default) does not count as a value of its own.
 */
export function varyingKnobs(cells: readonly CellConfig[]): EnvKnob[] {
  return ENV_KNOBS.filter((k) => new Set(cells.flatMap((c) => (c[k] === undefined ? [] : [c[k]]))).size > 1);
}

export function scenarioOf(cell: CellConfig, varying: readonly EnvKnob[]): string {
  return varying.flatMap((k) => (cell[k] === undefined ? [] : [KNOB_LABEL[k](cell[k])])).join(" · ");
}

/** Scenario labels in reading order: numbers by value ("inflight 2" before "inflight 16"). */
export function compareScenarios(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** The environment every cell shares, spelled out for the report's config panel. */
export function sharedEnvironment(cells: readonly CellConfig[]): string {
  const varying = new Set(varyingKnobs(cells));
  const first = cells[0];
  if (!first) return "";
  return ENV_KNOBS.filter((k) => !varying.has(k) && first[k] !== undefined)
    .map((k) => KNOB_LABEL[k](first[k]))
    .join(" · ");
}

/** The successful cells grouped into points, in series order, then size, scenario and load. */
export function pointsOf(results: Results): Point[] {
  const ok = results.cells.filter((c) => c.status === "ok");
  const varying = varyingKnobs(results.cells);
  const groups = new Map<string, Cell[]>();
  for (const cell of ok) {
    const key = measurementKey(cell);
    const list = groups.get(key);
    if (list) list.push(cell);
    else groups.set(key, [cell]);
  }
  const order = seriesOrder(results);
  const points: Point[] = [...groups].map(([key, cells]) => {
    const first = cells[0]!;
    const load = loadOf(first);
    return {
      key,
      series: seriesOf(first),
      system: first.system,
      flags: first.flags,
      size: first.size,
      loadKind: load.kind,
      load: load.value,
      loadLabel: load.label,
      scenario: scenarioOf(first, varying),
      cells,
      throughput: spread(cells.map((c) => c.throughput)),
      p50: spread(cells.map((c) => c.latencyMs.p50)),
      p99: spread(cells.map((c) => c.latencyMs.p99)),
    };
  });
  return points.sort(
    (a, b) =>
      order.indexOf(a.series) - order.indexOf(b.series) ||
      a.size - b.size ||
      compareScenarios(a.scenario, b.scenario) ||
      a.loadKind.localeCompare(b.loadKind) ||
      a.load - b.load,
  );
}

/** The points at the run's highest load level (of their kind): the level the headline charts show. */
export function atHighestLoad(points: readonly Point[]): Point[] {
  const highest = new Map<string, number>();
  for (const p of points) highest.set(p.loadKind, Math.max(highest.get(p.loadKind) ?? -Infinity, p.load));
  return points.filter((p) => p.load === highest.get(p.loadKind));
}
