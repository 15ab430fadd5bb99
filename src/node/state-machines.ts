// The state machines a node can run (`--state-machine`), and what the client API reads from each.

import type { ApplyResult } from "./kv-command.ts";
import { KvStateMachine } from "./kv-state-machine.ts";
import { NoopStateMachine, type StateMachine } from "./state-machine.ts";

export const STATE_MACHINE_KINDS = ["kv", "noop"] as const;
export type StateMachineKind = (typeof STATE_MACHINE_KINDS)[number];

/** A node's machine: what the driver applies to, and the key-value reads it serves (null: none). */
export interface NodeStateMachine {
  readonly machine: StateMachine<ApplyResult | undefined>;
  readonly kv: KvStateMachine | null;
}

export function createStateMachine(kind: StateMachineKind): NodeStateMachine {
  if (kind === "noop") return { machine: new NoopStateMachine(), kv: null };
  const kv = new KvStateMachine();
  return { machine: kv, kv };
}
