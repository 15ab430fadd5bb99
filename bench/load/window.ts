// The warm-up then measured window shared by both load generators: after `warmupS` the tally opens
// (and the sweep is told, so it resets the nodes' statistics), after `durationS` more it closes (and
// the sweep scrapes them while the load is still running).

import { setTimeout as sleep } from "node:timers/promises";
import type { LoadSpec } from "./spec.ts";
import type { Tally } from "./tally.ts";

export interface WindowHooks {
  /** `atEpochMs`: when the window opened, in ms since the Unix epoch. */
  onMeasureStart(atEpochMs: number): void;
  onMeasureEnd(): void;
}

export async function runWindow(spec: LoadSpec, tally: Tally, hooks: WindowHooks): Promise<void> {
  await sleep(spec.warmupS * 1000);
  tally.begin();
  hooks.onMeasureStart(tally.openedAtEpochMs);
  await sleep(spec.durationS * 1000);
  tally.end();
  hooks.onMeasureEnd();
}
