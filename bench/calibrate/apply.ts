// The state machine's own apply cost: the CPU of applying bench puts to a KvStateMachine, over a key
// space like the bench's (the modelled apply cost of an environment, `--apply-cost-us`, comes on top).

import type { Entry } from "../../src/core/types.ts";
import { encodeCommand } from "../../src/node/kv-command.ts";
import { KvStateMachine } from "../../src/node/kv-state-machine.ts";
import { round3 } from "../systems/system.ts";
import type { Cost } from "./calibration.ts";

const KEYS = 1000;

export function measureApply(samples: number, valueSize: number): Cost {
  const value = new Uint8Array(valueSize).fill(0x61);
  const entries: Entry[] = Array.from({ length: samples }, (_, i) => ({
    index: i + 1,
    term: 1,
    data: encodeCommand({ op: "put", key: `c1-${i % KEYS}`, value }),
  }));
  const sm = new KvStateMachine();
  const before = process.cpuUsage();
  for (const e of entries) sm.apply(e);
  const cpu = process.cpuUsage(before);
  return {
    us: Math.max(0.001, round3((cpu.user + cpu.system) / samples)),
    samples,
    method: `CPU time (process.cpuUsage) of ${samples} KvStateMachine puts of ${valueSize}-byte values over ${KEYS} keys`,
  };
}
