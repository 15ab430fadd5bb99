// The load of a cell spread over load workers on other hosts (`raftlab bench --loadgen URL,...`,
// each URL a `raftlab loadgen --listen`): the connections or the open loop's rate are split between
// them (bench/load/merge.ts), all are started together, and their results, histograms included, are
// merged into one. The cell's window hooks run when the first worker opens its window and when the
// last one closes it, so the nodes' figures cover every worker's window.

import type { AsyncWindowHooks, LoadRunner } from "./loadgen.ts";
import { mergeLoadResults, splitLoad } from "./merge.ts";
import type { FromWorker, LoadResult, LoadSpec } from "./spec.ts";

export class DistributedLoad implements LoadRunner {
  private readonly running = new Set<AbortController>();

  /** `secret`: the bearer token the workers were started with, or null for workers without one. */
  constructor(
    readonly urls: readonly string[],
    private readonly secret: string | null,
  ) {
    if (urls.length === 0) throw new Error("no load workers given");
  }

  /** The workers run elsewhere: no local process to watch. */
  get pid(): undefined {
    return undefined;
  }

  async run(spec: LoadSpec, hooks: AsyncWindowHooks, graceMs = 20_000): Promise<LoadResult> {
    const parts = splitLoad(spec, this.urls.length).flatMap((s, i) => (s ? [{ url: this.urls[i]!, spec: s }] : []));
    const abort = new AbortController();
    this.running.add(abort);
    const timer = setTimeout(
      () =>
        abort.abort(
          new Error(`the load workers did not finish within ${spec.warmupS + spec.durationS}s + ${graceMs / 1000}s`),
        ),
      (spec.warmupS + spec.durationS) * 1000 + graceMs,
    );
    let opened = false;
    let closed = 0;
    const pending: Promise<void>[] = [];
    try {
      const results = await Promise.all(
        parts.map(async (p) => {
          const result = await this.runOn(p.url, p.spec, abort.signal, (msg) => {
            if (msg.type === "measure-start" && !opened) {
              opened = true;
              pending.push(Promise.resolve(hooks.onMeasureStart(msg.atEpochMs)));
            } else if (msg.type === "measure-end" && ++closed === parts.length) {
              pending.push(Promise.resolve(hooks.onMeasureEnd()));
            }
          }).catch((err: Error) => {
            abort.abort(err);
            throw err;
          });
          return { url: p.url, mode: p.spec.mode, result };
        }),
      );
      await Promise.all(pending);
      return mergeLoadResults(results);
    } catch (err) {
      throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : err;
    } finally {
      clearTimeout(timer);
      this.running.delete(abort);
    }
  }

  /** Stops every load in progress: the workers stop theirs when the connection closes. */
  kill(): void {
    for (const a of this.running) a.abort(new Error("the load was stopped"));
  }

  async close(): Promise<void> {
    this.kill();
  }

  /** Runs `spec` on the worker at `url`; `onMessage` sees each of its messages as it arrives. */
  private async runOn(
    url: string,
    spec: LoadSpec,
    signal: AbortSignal,
    onMessage: (msg: FromWorker) => void,
  ): Promise<LoadResult> {
    const where = `load worker ${url}`;
    let res: Response;
    try {
      res = await fetch(`${url}/run`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.secret === null ? {} : { authorization: `Bearer ${this.secret}` }),
        },
        body: JSON.stringify(spec),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new Error(
        `${where} does not answer (${(err as Error).message}): is 'raftlab loadgen --listen' running there?`,
      );
    }
    if (res.status === 401) {
      throw new Error(`${where} refused the load (401): give the secret it was started with (--loadgen-secret-file)`);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(`${where} refused the load (${res.status}): ${body.error ?? res.statusText}`);
    }
    let buffered = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(chunk).toString("utf8");
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl)) as FromWorker;
        buffered = buffered.slice(nl + 1);
        if (msg.type === "result") return msg.result;
        if (msg.type === "error") throw new Error(`${where}: ${msg.message}`);
        onMessage(msg);
        nl = buffered.indexOf("\n");
      }
    }
    throw new Error(`${where} closed the connection before its result`);
  }
}
