// Bybit streams klines (`kline.<interval>.<symbol>`); the simulator does not, so this test serves that
// topic from a small local WebSocket server speaking Bybit v5's public protocol (REST stays on the
// simulator): the live source follows the bar updates through ccxt's watchOHLCV and emits each bar
// once, closed, when the next one starts.
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../services/shared/clock.js";
import { LiveSource, type MarketEvent, type MarketEventOf } from "../../../services/execution/market-data/index.js";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0);
let sim: BybitSimulator;
let server: WebSocketServer;
const sockets = new Set<WebSocket>();
const topics = new Set<string>();
let source: LiveSource;
const events: MarketEvent[] = [];

async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const kline = (startMs: number, close: number, volume: number, confirm: boolean) => ({
  topic: "kline.1.BTCUSDT",
  type: "snapshot",
  ts: startMs + 30_000,
  data: [{ start: startMs, end: startMs + 59_999, interval: "1", open: "60000", close: String(close), high: "60100", low: "59900", volume: String(volume), turnover: "1", confirm, timestamp: startMs + 30_000 }],
});

const push = (message: object) => {
  for (const socket of sockets) socket.send(JSON.stringify(message));
};

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 6, rateLimits: false });
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("message", (raw) => {
      const message = JSON.parse(raw.toString()) as { op: string; args?: string[]; req_id?: string };
      if (message.op === "ping") return socket.send(JSON.stringify({ success: true, ret_msg: "pong", op: "ping", req_id: message.req_id }));
      for (const topic of message.args ?? []) topics.add(topic);
      socket.send(JSON.stringify({ success: true, ret_msg: "subscribe", op: message.op, req_id: message.req_id, conn_id: "local" }));
    });
  });
  const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v5/public/linear`;
  source = new LiveSource({
    symbols: ["BTCUSDT"],
    clock: systemClock,
    klineIntervals: ["1m"],
    pollIntervalMs: 60_000,
    ccxtOptions: { enableRateLimit: false, timeout: 3_000 },
    configure: (exchange) => {
      const urls = sim.ccxtApiUrls() as { ws: { public: Record<string, string> } };
      exchange.urls.api = { ...(exchange.urls.api as object), ...urls, ws: { ...urls.ws, public: { ...urls.ws.public, linear: wsUrl } } } as typeof exchange.urls.api;
    },
  });
  await source.start((batch) => void events.push(...batch));
  await eventually(() => topics.has("kline.1.BTCUSDT"), "the kline subscription");
}, 30_000);

afterAll(async () => {
  await source?.stop();
  for (const socket of sockets) socket.terminate();
  await new Promise((resolve) => server?.close(resolve));
  await sim?.stop();
});

describe("klines streamed by the venue", () => {
  it("follows a bar's updates and emits it once, closed, when the next bar starts", async () => {
    push(kline(MINUTE, 60_010, 1, false));
    push(kline(MINUTE, 60_020, 2, false));
    push(kline(MINUTE, 60_030, 3, true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const klines = () => events.filter((e): e is MarketEventOf<"market-kline"> => e.type === "market-kline");
    expect(klines()).toEqual([]);
    push(kline(MINUTE + 60_000, 60_040, 0.5, false));
    const [bar] = await eventually(() => klines().length > 0 && klines(), "the closed bar");
    expect(bar!.payload).toMatchObject({ symbol: "BTCUSDT", interval: "1m", openTsMs: MINUTE, closePriceUsd: 60_030, volumeQty: 3, closed: true });
    // ccxt's OHLCV drops Bybit's turnover: the typical price × volume stands in.
    expect(bar!.payload.turnoverUsd).toBeCloseTo((3 * (60_100 + 59_900 + 60_030)) / 3, 6);
    push(kline(MINUTE + 60_000, 60_050, 0.7, false));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(klines()).toHaveLength(1);
    expect(source.polledKlines.size).toBe(0);
  });
});
