// Deterministic, linearizable-by-construction histories for benchmarks and property tests. Clients run
// concurrently against a reference key-value map: each operation is invoked, takes effect at one
// instant (its linearization point) later, and completes later still, interleaved with the others.

import { seededRng } from "../core/rng.ts";
import type { HistoryEvent, OpName, Value } from "./history.ts";

export interface SyntheticOptions {
  seed: number;
  /** Concurrent clients. */
  processes: number;
  /** Operations in total. */
  ops: number;
  keys: number;
  /** Fraction of operations whose completion is lost (`info`); half of those never take effect. */
  infoRate?: number;
}

type Phase = { op: HistoryEvent; applied: boolean; result?: Partial<HistoryEvent> };

export function syntheticHistory(options: SyntheticOptions): HistoryEvent[] {
  const { seed, processes, ops: total, keys } = options;
  const infoRate = options.infoRate ?? 0;
  const rng = seededRng(seed);
  const store = new Map<string, Value>();
  const written: string[] = [];
  const inFlight: (Phase | undefined)[] = new Array(processes).fill(undefined);
  const events: HistoryEvent[] = [];
  let time = 0;
  let invoked = 0;

  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length)]!;
  const someValue = (): Value => (written.length === 0 || rng.next() < 0.1 ? null : pick(written));

  while (invoked < total || inFlight.some((p) => p !== undefined)) {
    time += rng.int(1, 1000);
    const proc = rng.int(0, processes);
    const phase = inFlight[proc];
    if (phase === undefined) {
      if (invoked === total) continue;
      const f: OpName = pick(["read", "read", "write", "cas"] as const);
      const key = `k${rng.int(0, keys)}`;
      const fresh = `${proc}:${invoked}`;
      const value: HistoryEvent["value"] = f === "read" ? null : f === "write" ? fresh : [someValue(), fresh];
      if (f !== "read") written.push(fresh);
      const op: HistoryEvent = { process: proc, type: "invoke", f, key, value, time };
      events.push(op);
      inFlight[proc] = { op, applied: false };
      invoked++;
    } else if (!phase.applied) {
      phase.applied = true;
      if (rng.next() < infoRate / 2) continue; // lost before it took effect
      phase.result = apply(phase.op, store);
    } else {
      const lost = phase.result === undefined || rng.next() < infoRate / 2;
      const { process, f, key } = phase.op;
      events.push({
        process,
        f,
        key,
        time,
        value: phase.op.value,
        ...(lost ? { type: "info" } : phase.result),
      } as HistoryEvent);
      inFlight[proc] = undefined;
    }
  }
  return events;
}

/** Performs `op` on the reference store; returns the fields of its completion event. */
function apply(op: HistoryEvent, store: Map<string, Value>): Partial<HistoryEvent> {
  const current = store.get(op.key) ?? null;
  switch (op.f) {
    case "read":
      return { type: "ok", value: current };
    case "cas": {
      const [expect, next] = op.value as [Value, Value];
      if (current !== expect) return { type: "fail", current };
      store.set(op.key, next);
      return { type: "ok" };
    }
    default: // write (the generator issues no appends)
      store.set(op.key, op.value as Value);
      return { type: "ok" };
  }
}
