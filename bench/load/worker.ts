// The load generator's own process (forked by bench/load/loadgen.ts), so that its CPU time and
// event-loop utilization are measured apart from the sweep's and the nodes'. It runs one load at a
// time on request over IPC and reports the measured window's start, end and result.

import { runClosedLoop } from "./closed-loop.ts";
import { runOpenLoop } from "./open-loop.ts";
import type { FromWorker, LoadSpec, ToWorker } from "./spec.ts";
import type { WindowHooks } from "./window.ts";

function reply(msg: FromWorker): void {
  process.send?.(msg);
}

async function run(spec: LoadSpec): Promise<void> {
  const hooks: WindowHooks = {
    onMeasureStart: (atEpochMs) => reply({ type: "measure-start", atEpochMs }),
    onMeasureEnd: () => reply({ type: "measure-end" }),
  };
  try {
    const tally =
      spec.mode.kind === "closed"
        ? await runClosedLoop(spec, spec.mode.connections, hooks)
        : await runOpenLoop(spec, spec.mode.rate, spec.mode.maxOutstanding, hooks);
    reply({ type: "result", result: tally.result() });
  } catch (err) {
    reply({ type: "error", message: (err as Error).message });
  }
}

if (!process.send) {
  process.stderr.write("bench/load/worker.ts runs as a child process of the bench (it needs an IPC channel)\n");
  process.exit(64);
}
process.on("message", (msg: ToWorker) => {
  if (msg.type === "run") void run(msg.spec);
});
process.on("disconnect", () => process.exit(0));
