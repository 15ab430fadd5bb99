// Measures how far the link shaper's deliveries land from their due time, with its fine
// (setImmediate) phase on and with plain timers only, at 1–20 ms delays; prints error
// percentiles in µs and the CPU the shaper's process used meanwhile.
//   node --import tsx scripts/link-shaper-accuracy.ts [samples=200]
import { loadavg } from "node:os";
import { LinkShaper } from "../src/transport/link-shaper.ts";

const samples = Number(process.argv[2] ?? 200);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One message at a time, sent at a random phase, each waited for before the next. */
async function measure(delayMs: number, spinMs: number): Promise<{ errorsUs: number[]; cpu: number }> {
  const shaper = new LinkShaper({ spinMs, defaults: { delayMs } });
  const errorsUs: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < samples; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 2));
    await new Promise<void>((resolve) => {
      const sent = performance.now();
      shaper.shape(2, () => {
        errorsUs.push((performance.now() - sent - delayMs) * 1000);
        resolve();
      });
    });
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    errorsUs: errorsUs.sort((a, b) => a - b),
    cpu: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0),
  };
}

console.log(
  `link-shaper delivery error (actual - requested delay), ${samples} sequential samples each, µs; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log("cpu = this process's CPU time / wall time during the run (the spin phase busy-polls)");
console.log("delay  mode           min    p50    p90    p99    max   cpu");
for (const delayMs of [1, 2, 5, 10, 20]) {
  for (const [mode, spinMs] of [
    ["timer+spin", 1],
    ["timers only", 0],
  ] as const) {
    const { errorsUs: e, cpu } = await measure(delayMs, spinMs);
    const f = (x: number): string => x.toFixed(0).padStart(6);
    console.log(
      `${String(delayMs).padStart(3)}ms  ${mode.padEnd(12)} ${f(e[0]!)} ${f(percentile(e, 50))} ${f(percentile(e, 90))} ` +
        `${f(percentile(e, 99))} ${f(e[e.length - 1]!)}  ${(cpu * 100).toFixed(0).padStart(3)}%`,
    );
  }
}
