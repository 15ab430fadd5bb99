import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { listenExclusive, UwsLoadError, uws, uwsSource, verifyNative } from "../../src/transport/uws.ts";
import { freePort } from "./free-port.ts";

describe("uWS loader", () => {
  it("loads the native binary", () => {
    expect(typeof uws.getParts).toBe("function");
    expect((uws as unknown as Record<string, unknown>).H3App).toBeDefined();
    expect(["uWebSockets.js", "@trufflesuite/uws-js-unofficial"]).toContain(uwsSource);
  });

  it("accepts a module with the native-only exports", () => {
    const fake = { App: () => ({}), getParts: () => undefined, H3App: () => ({}) };
    expect(verifyNative(fake, "fake")).toBe(fake);
  });

  it("refuses the pure-JS fallback (no getParts/H3App) and says how to fix it", () => {
    const fallback = { App: () => ({}), SSLApp: () => ({}) };
    expect(() => verifyNative(fallback, "fake")).toThrow(UwsLoadError);
    expect(() => verifyNative(fallback, "fake")).toThrow(/fallback.*Node 20.*GitHub release/s);
    expect(() => verifyNative({ ...fallback, getParts: () => undefined }, "fake")).toThrow(UwsLoadError);
    expect(() => verifyNative(null, "fake")).toThrow(UwsLoadError);
  });

  it("refuses to start a process on the fallback", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", 'await import("./src/transport/uws.ts")'],
      { cwd: new URL("../..", import.meta.url), env: { ...process.env, UWS_USE_FALLBACK: "1" }, encoding: "utf8" },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/UwsLoadError: .*UWS_USE_FALLBACK is set.*refuses to run on the fallback/);
  });
});

describe("listenExclusive", () => {
  it("rejects a port another socket holds, where uWS's default listen would share it", async () => {
    const port = await freePort();
    const first = await listenExclusive(uws.App(), "127.0.0.1", port);
    try {
      await expect(listenExclusive(uws.App(), "127.0.0.1", port)).rejects.toThrow(/port is in use/);
    } finally {
      uws.us_listen_socket_close(first);
    }
    const held = createServer();
    await new Promise<void>((r) => held.listen(port, "127.0.0.1", r));
    try {
      await expect(listenExclusive(uws.App(), "127.0.0.1", port)).rejects.toThrow(/port is in use/);
    } finally {
      held.close();
    }
  });
});
