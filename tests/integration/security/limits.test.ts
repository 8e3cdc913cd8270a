// Limits that cut hostile clients off, over real sockets: oversized bodies (413), heads too large
// (431), slow clients (408 and a closed connection) and floods (429 per principal, or per address
// before authentication). The brain runs as the shared runtime runs it; the slow-client timings use a
// server built by the same function with shorter limits, so the test takes seconds, not minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBrainService } from "../../../services/brain/service.js";
import { composeAuthenticator } from "../../../services/shared/auth/index.js";
import type { CommonConfig } from "../../../services/shared/config/index.js";
import { CONNECTION_CHECK_INTERVAL_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "../../../services/shared/http/index.js";
import { startFuzzTarget, type FuzzTarget } from "../../fuzz/support/fuzz-target.js";
import { testServer } from "../http/test-server.js";
import { characters, rawExchange, repeated } from "./raw-http.js";

const RATE_LIMIT_PER_MINUTE = 20;
let brain: FuzzTarget<"brain">;
let base: string;

const admin = () => ({ authorization: brain.authorization.admin });
const errorLines = () => brain.logs.takeErrors();

beforeAll(async () => {
  brain = await startFuzzTarget(createBrainService({ env: {} }), { env: { TITAN_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE) } });
  base = `http://127.0.0.1:${brain.running.port}`;
}, 120_000);

afterAll(async () => {
  await brain?.stop();
});

describe("the limits the shared server sets", () => {
  it("are on every service as documented: body limit from the configuration, headers and whole-request timeouts, a one-second check", () => {
    const server = brain.app.server as typeof brain.app.server & { connectionsCheckingInterval: number };
    expect(brain.app.initialConfig.bodyLimit).toBe((brain.running.ctx.config as CommonConfig).bodyLimitBytes);
    expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(server.connectionsCheckingInterval).toBe(CONNECTION_CHECK_INTERVAL_MS);
  });
});

describe("oversized input", () => {
  it("refuses a body one byte over the limit with 413 problem+json", async () => {
    const payload = `{"reason":"${"x".repeat(brain.bodyLimitBytes)}"}`;
    const res = await fetch(`${base}/phases`, { method: "POST", headers: { ...admin(), "content-type": "application/json" }, body: payload });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(errorLines()).toEqual([]);
  });

  it("refuses an announced 50 MB body at once and closes the connection without reading it", async () => {
    const head = `POST /phases HTTP/1.1\r\nHost: x\r\nAuthorization: ${brain.authorization.admin}\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`;
    const ex = await rawExchange({ port: brain.running.port, head, trickle: { chunks: repeated("x".repeat(64 * 1024), 800), intervalMs: 1 }, giveUpMs: 10_000 });
    // The 413 goes out at once; the client, still writing, usually sees the reset rather than the answer.
    expect([413, null]).toContain(ex.status);
    expect(ex.closedByServer).toBe(true);
    expect(ex.closedAfterMs).toBeLessThan(2_000);
    expect(ex.bytesWritten).toBeLessThan(4 * 1024 * 1024);
    expect(errorLines()).toEqual([]);
  });

  it("cuts a chunked body with no length off once it passes the limit", async () => {
    const head = `POST /phases HTTP/1.1\r\nHost: x\r\nAuthorization: ${brain.authorization.admin}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = `${(64 * 1024).toString(16)}\r\n${"x".repeat(64 * 1024)}\r\n`;
    const ex = await rawExchange({ port: brain.running.port, head, trickle: { chunks: repeated(chunk, 64), intervalMs: 2 }, giveUpMs: 10_000 });
    expect(ex.status).toBe(413);
    expect(ex.bytesWritten).toBeLessThan(64 * 64 * 1024);
  });

  it("refuses a head larger than 16 KB with 431 before any route runs", async () => {
    const head = `GET /status HTTP/1.1\r\nHost: x\r\nX-Junk: ${"a".repeat(20 * 1024)}\r\n\r\n`;
    const ex = await rawExchange({ port: brain.running.port, head, giveUpMs: 5_000 });
    expect(ex.status).toBe(431);
    expect(ex.closedByServer).toBe(true);
  });
});

describe("slow clients", () => {
  const HEADERS_MS = 400;
  const REQUEST_MS = 800;
  let port: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // Everyone is an operator here: the request must get past authentication to wait for its body.
    const everyone = composeAuthenticator([{ name: "everyone", authenticate: async () => ({ kind: "principal", principal: { kind: "operator", id: "t", name: "t", role: "operator", scopes: [] } }) }]);
    const { app } = await testServer(everyone, { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS });
    app.post("/echo", { config: { auth: { role: "operator" } } }, async (request) => request.body);
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
    close = () => app.close();
  });

  afterAll(async () => close?.());

  it("cuts off a client sending its headers byte by byte with 408 and closes the connection", async () => {
    const ex = await rawExchange({ port, trickle: { chunks: characters(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ${"a".repeat(1_000)}`), intervalMs: 50 }, giveUpMs: 10_000 });
    expect(ex.status).toBe(408);
    expect(ex.closedByServer).toBe(true);
    expect(ex.closedAfterMs).toBeLessThan(HEADERS_MS + 2 * CONNECTION_CHECK_INTERVAL_MS);
  });

  it("cuts off a client that connects and sends nothing", async () => {
    const ex = await rawExchange({ port, giveUpMs: 10_000 });
    expect(ex.closedByServer).toBe(true);
    expect(ex.closedAfterMs).toBeLessThan(HEADERS_MS + 2 * CONNECTION_CHECK_INTERVAL_MS);
  });

  it("cuts off a client trickling its body with 408, whatever the length it announced", async () => {
    const head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    const ex = await rawExchange({ port, head, trickle: { chunks: repeated(" ", 1_000), intervalMs: 20 }, giveUpMs: 10_000 });
    expect(ex.status).toBe(408);
    expect(ex.closedByServer).toBe(true);
    expect(ex.closedAfterMs).toBeLessThan(REQUEST_MS + 2 * CONNECTION_CHECK_INTERVAL_MS);
  });
});

describe("floods", () => {
  const burst = (n: number, path: string, headers: Record<string, string> = {}): Promise<number[]> =>
    Promise.all(Array.from({ length: n }, () => fetch(`${base}${path}`, { headers }).then(async (res) => (await res.arrayBuffer(), res.status))));

  it("answers 429 problem+json past the per-minute limit of one principal, and not to another principal", async () => {
    const statuses = await burst(RATE_LIMIT_PER_MINUTE + 10, "/trading-state", { authorization: brain.authorization.operator });
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT_PER_MINUTE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const refused = await fetch(`${base}/trading-state`, { headers: { authorization: brain.authorization.operator } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await fetch(`${base}/trading-state`, { headers: { authorization: brain.authorization.viewer } })).status).toBe(200);
  });

  it("limits callers without a valid credential by address, on protected and unknown paths alike", async () => {
    const statuses = await burst(RATE_LIMIT_PER_MINUTE * 2 + 5, "/no-such-route");
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const anonymous = await burst(5, "/status");
    expect(anonymous.every((s) => s === 429)).toBe(true);
  });

  it("keeps health and metrics open during a flood, for the probes and Prometheus", async () => {
    const statuses = await burst(RATE_LIMIT_PER_MINUTE * 3, "/health/live");
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });
});
