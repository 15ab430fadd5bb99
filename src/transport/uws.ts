// The one place that loads uWebSockets.js. Everything else imports `uws` (and its types) from here.
//
// Preference order:
//  1. `uWebSockets.js` when the user installed it from its authors' GitHub releases (they do not
//     publish to npm; it is the only option on Node 22+);
//  2. the pinned `@trufflesuite/uws-js-unofficial`, which ships native binaries for Node 16/18/20.
// The pinned package silently falls back to a slow pure-JS emulation when no binary matches the
// running Node. A lab that measures latency must never run on that, so the native binary is
// verified here and start-up fails with a message that says how to fix it.

import type * as UwsApi from "@trufflesuite/uws-js-unofficial";

export type UwsModule = typeof UwsApi;
export type {
  HttpRequest,
  HttpResponse,
  RecognizedString,
  TemplatedApp,
  us_listen_socket,
  WebSocket,
  WebSocketBehavior,
} from "@trufflesuite/uws-js-unofficial";

const OFFICIAL = "uWebSockets.js";
/** uSockets' listen option (the typings declare it only as a const enum member). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
const PINNED = "@trufflesuite/uws-js-unofficial";

export class UwsLoadError extends Error {
  override readonly name = "UwsLoadError";
}

/**
 * Returns `mod` as a uWS module if it is the native build; throws a UwsLoadError otherwise.
 * The native addon exports `getParts` and `H3App`; the pure-JS fallback exports neither.
 */
export function verifyNative(mod: unknown, source: string): UwsModule {
  const m = mod as Partial<Record<string, unknown>> | null;
  const native =
    m !== null &&
    typeof m === "object" &&
    typeof m.App === "function" &&
    typeof m.getParts === "function" &&
    m.H3App !== undefined;
  if (native) return mod as UwsModule;
  const why =
    process.env.UWS_USE_FALLBACK !== undefined
      ? "UWS_USE_FALLBACK is set in the environment"
      : `no native build in it matches Node ${process.version} ` +
        `(ABI ${process.versions.modules}, ${process.platform}-${process.arch})`;
  throw new UwsLoadError(
    `${source} loaded its pure-JS fallback instead of the native uWebSockets.js binary ` +
      `(no getParts/H3App export): ${why}. raftlab refuses to run on the fallback: it is many ` +
      `times slower and would falsify every measurement. Fix: run on Node 20 with the pinned ` +
      `${PINNED} package (and UWS_USE_FALLBACK unset), or install uWebSockets.js for your Node ` +
      `version from its authors' GitHub release: npm install ` +
      `github:uNetworking/uWebSockets.js#<tag> (tags: https://github.com/uNetworking/uWebSockets.js/releases).`,
  );
}

function isNotFound(err: unknown, specifier: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") && (e.message ?? "").includes(specifier)
  );
}

/** Loads and verifies uWS (the preferred package, else the pinned build); use `uws` below. */
async function loadUws(): Promise<{ module: UwsModule; source: string }> {
  let officialFailure = "";
  try {
    // A variable specifier: the official package is optional and has no types installed here.
    const name: string = OFFICIAL;
    const mod = (await import(name)) as { default?: unknown };
    return { module: verifyNative(mod.default ?? mod, OFFICIAL), source: OFFICIAL };
  } catch (err) {
    if (!isNotFound(err, OFFICIAL)) officialFailure = ` (${OFFICIAL} is installed but failed: ${String(err)})`;
  }
  // The pinned package is CommonJS (its default export is `module.exports`); it picks native or
  // fallback when it is first loaded.
  const pinned = await import(PINNED);
  try {
    return { module: verifyNative(pinned.default, PINNED), source: PINNED };
  } catch (err) {
    throw new UwsLoadError((err as Error).message + officialFailure);
  }
}

const loaded = await loadUws();

/** The verified native uWebSockets.js module. */
export const uws: UwsModule = loaded.module;
/** Which package it came from (`uWebSockets.js` or the pinned unofficial build); for reports. */
export const uwsSource: string = loaded.source;

/**
 * Listens on host:port with an exclusive bind. uWS's default listen sets SO_REUSEPORT on Linux, so
 * a second process would silently share a port that is already taken; this rejects instead.
 * Port 0 picks a free port: read it with `uws.us_socket_local_port(socket)`.
 */
export function listenExclusive(
  app: UwsApi.TemplatedApp,
  host: string,
  port: number,
): Promise<UwsApi.us_listen_socket> {
  // The four-argument form (host, port, options, cb) exists natively but not in the shipped typings.
  const listen = app.listen as unknown as (
    host: string,
    port: number,
    options: number,
    cb: (socket: UwsApi.us_listen_socket | false) => void,
  ) => void;
  return new Promise((resolve, reject) => {
    listen.call(app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket === false)
        reject(new Error(`cannot listen on ${host}:${port}: the port is in use or the address is not available`));
      else resolve(socket);
    });
  });
}
