// What `raftlab bench --event EVENT@SECONDS` injects into a running cell, and its spelling:
//   kill-leader@2             SIGKILL the leader (restarted on its data after KILL_RESTART_MS)
//   transfer-leader@2         the leader hands over to its most up-to-date follower
//   add-learner@2             a new node joins as a learner (it catches up; it is not promoted)
//   remove-follower@2         a follower is removed from the configuration
//   pause-follower:500@2      SIGSTOP a follower, SIGCONT 500 ms later
//   partition-leader:800@2    cut the leader's peer links both ways for 800 ms
//   slow-disk:follower:5000@2 add 5000 µs to every fsync of a follower (or NODE: an id, or leader) from then on
// SECONDS counts from the opening of the measured window.

/** A node named by an event: an id, or whichever node holds the role when the event fires. */
export type EventNode = number | "leader" | "follower";

export type BenchEventKind =
  | "kill-leader"
  | "transfer-leader"
  | "add-learner"
  | "remove-follower"
  | "pause-follower"
  | "partition-leader"
  | "slow-disk";

export type BenchEvent =
  | { readonly kind: "kill-leader"; readonly atS: number }
  | { readonly kind: "transfer-leader"; readonly atS: number }
  | { readonly kind: "add-learner"; readonly atS: number }
  | { readonly kind: "remove-follower"; readonly atS: number }
  | { readonly kind: "pause-follower"; readonly atS: number; readonly ms: number }
  | { readonly kind: "partition-leader"; readonly atS: number; readonly ms: number }
  | { readonly kind: "slow-disk"; readonly atS: number; readonly node: EventNode; readonly us: number };

/** An event as it was injected into a cell. */
export interface Injection {
  readonly event: string;
  readonly kind: string;
  readonly detail: string;
  readonly nodes: readonly number[];
  /** ms after the measured window opened. */
  readonly atMs: number;
  readonly missed: readonly string[];
}

/** After this long a killed leader is restarted, so a later event finds a whole cluster. */
export const KILL_RESTART_MS = 2000;

const SPELLINGS =
  "kill-leader, transfer-leader, add-learner, remove-follower, pause-follower:MS, partition-leader:MS, slow-disk:NODE:US";

/** Parses one `--event` value; throws an Error whose message says what is wrong and what is accepted. */
export function parseEvent(raw: string): BenchEvent {
  const at = raw.lastIndexOf("@");
  if (at < 0) throw new Error(`"${raw}" has no time: spell it EVENT@SECONDS, e.g. kill-leader@2`);
  const atS = seconds(raw.slice(at + 1), raw);
  const [name = "", ...args] = raw.slice(0, at).split(":");
  const want = (n: number, shape: string): void => {
    if (args.length !== n) throw new Error(`"${raw}": spell it ${shape}@SECONDS`);
  };
  switch (name) {
    case "kill-leader":
    case "transfer-leader":
    case "add-learner":
    case "remove-follower":
      want(0, name);
      return { kind: name, atS };
    case "pause-follower":
    case "partition-leader":
      want(1, `${name}:MS`);
      return { kind: name, atS, ms: whole(args[0]!, "MS", raw, 1, 600_000) };
    case "slow-disk":
      want(2, "slow-disk:NODE:US");
      return { kind: name, atS, node: eventNode(args[0]!, raw), us: whole(args[1]!, "US", raw, 0, 10_000_000) };
    default:
      throw new Error(`unknown event "${name}" in "${raw}"; available: ${SPELLINGS}`);
  }
}

/** The canonical spelling, as parsed (`partition-leader:800@2`). */
export function formatEvent(e: BenchEvent): string {
  switch (e.kind) {
    case "kill-leader":
    case "transfer-leader":
    case "add-learner":
    case "remove-follower":
      return `${e.kind}@${e.atS}`;
    case "pause-follower":
    case "partition-leader":
      return `${e.kind}:${e.ms}@${e.atS}`;
    case "slow-disk":
      return `slow-disk:${e.node}:${e.us}@${e.atS}`;
  }
}

function seconds(s: string, raw: string): number {
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new Error(`"${raw}": the time after "@" must be seconds into the measured window, e.g. @2 or @1.5`);
  return n;
}

function whole(s: string, what: string, raw: string, min: number, max: number): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min || n > max)
    throw new Error(`"${raw}": ${what} must be a whole number from ${min} to ${max}, got "${s}"`);
  return n;
}

function eventNode(s: string, raw: string): EventNode {
  if (s === "leader" || s === "follower") return s;
  if (/^[1-9]\d*$/.test(s)) return Number(s);
  throw new Error(`"${raw}": NODE must be a node id, leader or follower, got "${s}"`);
}
