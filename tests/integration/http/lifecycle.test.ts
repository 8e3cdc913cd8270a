import { describe, expect, it } from "vitest";
import { composeAuthenticator } from "../../../services/shared/auth/index.js";
import { closeGracefully, closeOnSignals, listen } from "../../../services/shared/http/index.js";
import { testServer } from "./test-server.js";

const slowServer = async (delayMs: number) => {
  const { app } = await testServer(composeAuthenticator([]));
  app.get("/slow", { config: { auth: "public" } }, async () => {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { done: true };
  });
  const port = await listen(app, "127.0.0.1", 0);
  return { app, url: `http://127.0.0.1:${port}` };
};

describe("server lifecycle", () => {
  it("listens on the port it reports, and answers health", async () => {
    const { app, url } = await slowServer(0);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect(await closeGracefully(app)).toBe(true);
  });

  it("lets a request in flight finish before closing", async () => {
    const { app, url } = await slowServer(300);
    const inFlight = fetch(`${url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = closeGracefully(app, 5_000);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await closed).toBe(true);
  });

  it("cuts connections still open after the timeout, and says so", async () => {
    const { app, url } = await slowServer(5_000);
    const inFlight = fetch(`${url}/slow`).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    expect(await closeGracefully(app, 200)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await inFlight).toBeInstanceOf(Error);
  });

  it("closes on SIGTERM and exits 0", async () => {
    const { app, url } = await slowServer(0);
    const exits: number[] = [];
    let closedClean: boolean | undefined;
    const detach = closeOnSignals(app, { signals: ["SIGUSR2"], exit: (code) => exits.push(code), onClosed: (clean) => void (closedClean = clean) });
    process.kill(process.pid, "SIGUSR2");
    await expect.poll(() => exits, { timeout: 5_000 }).toEqual([0]);
    expect(closedClean).toBe(true);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    detach();
  });
});
