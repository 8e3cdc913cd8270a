// Clients for the simulator's contract tests: the real ccxt bybit class (REST and pro) pointed at it, and a
// bare signed HTTP client for checks below ccxt (reply shapes, signatures).

import ccxt from "ccxt";
import { restSignature } from "../../../tools/bybit-simulator/index.js";
import type { BybitSimulator } from "../../../tools/bybit-simulator/index.js";

export type BybitRest = InstanceType<typeof ccxt.bybit>;
export type BybitPro = InstanceType<typeof ccxt.pro.bybit>;

const ccxtOptions = (sim: BybitSimulator, timeoutMs: number) => ({
  apiKey: sim.credential.apiKey,
  secret: sim.credential.secret,
  timeout: timeoutMs,
  // ccxt's own throttle (Bybit's endpoint costs: cancel-all waits a second) only slows these tests down;
  // the simulator enforces Bybit's limits itself, and one test proves it.
  enableRateLimit: false,
  options: {
    // Only linear perpetuals: loadMarkets then makes exactly the instruments-info calls the simulator serves.
    fetchMarkets: { types: ["linear"] },
    // Unified trade account known up front, so ccxt skips query-api and account/info before each call.
    enableUnifiedAccount: true,
    enableUnifiedMargin: false,
  },
});

function pointAt<T extends BybitRest | BybitPro>(exchange: T, sim: BybitSimulator): T {
  (exchange.has as Record<string, unknown>).fetchCurrencies = false;
  exchange.urls.api = { ...(exchange.urls.api as object), ...sim.ccxtApiUrls() } as typeof exchange.urls.api;
  return exchange;
}

export function ccxtRest(sim: BybitSimulator, timeoutMs = 3_000): BybitRest {
  return pointAt(new ccxt.bybit(ccxtOptions(sim, timeoutMs)), sim);
}

/** ccxt pro needs its http agent loaded before it will open a plain ws:// URL. */
export async function ccxtPro(sim: BybitSimulator, timeoutMs = 3_000): Promise<BybitPro> {
  const exchange = pointAt(new ccxt.pro.bybit(ccxtOptions(sim, timeoutMs)), sim);
  await exchange.loadHttpProxyAgent();
  return exchange;
}

export interface RawReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** A signed v5 request built by hand, as Bybit's docs describe it. */
export async function signedRequest(
  sim: BybitSimulator,
  method: "GET" | "POST",
  path: string,
  params: Record<string, string | number | boolean> = {},
  tamper: { secret?: string; timestampMs?: number; apiKey?: string } = {},
): Promise<RawReply> {
  const apiKey = tamper.apiKey ?? sim.credential.apiKey;
  const timestamp = String(tamper.timestampMs ?? Date.now());
  const recvWindow = "5000";
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const body = JSON.stringify(params);
  const payload = method === "GET" ? query : body;
  const headers: Record<string, string> = {
    "X-BAPI-API-KEY": apiKey,
    "X-BAPI-TIMESTAMP": timestamp,
    "X-BAPI-RECV-WINDOW": recvWindow,
    "X-BAPI-SIGN": restSignature(tamper.secret ?? sim.credential.secret, timestamp, apiKey, recvWindow, payload),
  };
  if (method === "POST") headers["Content-Type"] = "application/json";
  const response = await fetch(`${sim.url}${path}${method === "GET" && query ? `?${query}` : ""}`, {
    method,
    headers,
    ...(method === "POST" ? { body } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function publicRequest(sim: BybitSimulator, path: string, params: Record<string, string | number> = {}): Promise<RawReply> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const response = await fetch(`${sim.url}${path}${query ? `?${query}` : ""}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function admin(sim: BybitSimulator, method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<RawReply> {
  const response = await fetch(`${sim.url}/__sim${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export const BTC = "BTC/USDT:USDT";

/** Polls until `check` passes or the deadline passes (for WebSocket deliveries). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw lastError;
}
