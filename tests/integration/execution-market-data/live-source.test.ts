// The live source with the real ccxt bybit class against the Bybit v5 simulator's public stream and REST:
// trades and tickers over WebSocket, funding and open interest by polling, klines by REST polling where
// the venue refuses the kline topic (the simulator does), and a dropped stream survived and counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "../../../services/shared/clock.js";
import { MESSAGE_REGISTRY, checkSchema } from "../../../services/shared/contracts/index.js";
import { LiveSource, type MarketEvent, type MarketEventOf } from "../../../services/execution/market-data/index.js";
import { startBybitSimulator, type BybitSimulator } from "../../../tools/bybit-simulator/index.js";

const SIM_START_MS = Date.UTC(2026, 0, 1, 12, 0, 10);
const simClock = new ManualClock(SIM_START_MS);
let sim: BybitSimulator;
let source: LiveSource;
const events: MarketEvent[] = [];
let reconnects = 0;

async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const publicTopics = (): string[] =>
  (sim.state().streams as unknown as { connections: { kind: string; topics: string[] }[] }).connections.filter((c) => c.kind === "public").flatMap((c) => c.topics);

const subscribed = () => eventually(() => ["publicTrade.BTCUSDT", "tickers.BTCUSDT", "publicTrade.ETHUSDT"].every((t) => publicTopics().includes(t)), "the public subscriptions");

function ofType<T extends MarketEvent["type"]>(type: T, symbol = "BTCUSDT"): MarketEventOf<T>[] {
  return events.filter((e) => e.type === type && e.payload.symbol === symbol) as MarketEventOf<T>[];
}

beforeAll(async () => {
  sim = await startBybitSimulator({ seed: 5, rateLimits: false, clock: simClock, verifyTimestamps: false });
  source = new LiveSource({
    symbols: ["BTCUSDT", "ETHUSDT"],
    clock: systemClock,
    pollIntervalMs: 100,
    klinePollIntervalMs: 100,
    backoff: { baseMs: 50, maxMs: 200 },
    ccxtOptions: { enableRateLimit: false, timeout: 3_000 },
    configure: (exchange) => {
      exchange.urls.api = { ...(exchange.urls.api as object), ...sim.ccxtApiUrls() } as typeof exchange.urls.api;
    },
    onReconnect: () => (reconnects += 1),
  });
  await source.start((batch) => void events.push(...batch));
  await subscribed();
}, 30_000);

afterAll(async () => {
  await source?.stop();
  await sim?.stop();
});

describe("the live source against the Bybit simulator", () => {
  it("publishes the venue's trades and tickers as contracts' messages, by the venue's symbol id", async () => {
    sim.setPrice("BTCUSDT", 60_500, 0.3, "buy");
    const trade = await eventually(() => ofType("market-trade").find((t) => t.payload.priceUsd === 60_500), "the trade");
    expect(trade.payload).toMatchObject({ venue: "bybit", marketType: "linear", symbol: "BTCUSDT", side: "buy", qty: 0.3, venueTsMs: SIM_START_MS });
    expect(trade.payload.tsMs).toBeGreaterThan(SIM_START_MS); // ours: the wall clock at receipt
    const ticker = await eventually(() => ofType("market-ticker").find((t) => t.payload.marketType === "linear" && t.payload.lastPriceUsd === 60_500), "the ticker");
    expect(ticker.payload.bidPriceUsd).not.toBeNull();
    const spot = await eventually(() => ofType("market-ticker").find((t) => t.payload.marketType === "spot" && t.payload.lastPriceUsd === 60_500), "the spot side");
    expect(spot.payload.symbol).toBe("BTCUSDT");
    for (const event of events) {
      const check = checkSchema(MESSAGE_REGISTRY[event.type].schema, event.payload);
      if (!check.ok) throw new Error(`${event.type}: ${check.reason}`);
    }
  });

  it("polls funding and open interest for every symbol", async () => {
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const funding = await eventually(() => ofType("market-funding", symbol)[0], `${symbol} funding`);
      expect(funding.payload.fundingRate).toBe(0.0001);
      expect(funding.payload.nextFundingTsMs % (8 * 3_600_000)).toBe(0);
      const oi = await eventually(() => ofType("market-open-interest", symbol)[0], `${symbol} open interest`);
      expect(oi.payload.openInterestQty).toBeGreaterThanOrEqual(0);
    }
  });

  it("falls back to REST for klines the venue does not stream, and emits each bar once, closed", async () => {
    await eventually(() => source.polledKlines.has("BTCUSDT:1m"), "the kline fallback");
    const minuteStart = Math.floor(simClock.nowMs() / 60_000) * 60_000;
    sim.setPrice("BTCUSDT", 60_700, 0.2, "sell"); // same minute as the 60 500 print
    simClock.advance(60_000);
    sim.setPrice("BTCUSDT", 60_800, 0.1, "buy");
    const bar = await eventually(() => ofType("market-kline").find((k) => k.payload.openTsMs === minuteStart), "the closed bar");
    expect(bar.payload).toMatchObject({ interval: "1m", closed: true, highPriceUsd: 60_700, closePriceUsd: 60_700, closeTsMs: minuteStart + 59_999 });
    // The bar is the venue's, as its REST kline reports it (turnover included).
    const [venueBar] = sim.core.tape.klines("BTCUSDT", 1, minuteStart + 59_999, 1);
    expect(bar.payload).toMatchObject({ openPriceUsd: venueBar!.openUsd, lowPriceUsd: venueBar!.lowUsd });
    expect(bar.payload.volumeQty).toBeCloseTo(venueBar!.volumeQty, 9);
    expect(bar.payload.volumeQty).toBeGreaterThanOrEqual(0.5);
    expect(bar.payload.turnoverUsd).toBeCloseTo(venueBar!.turnoverUsd, 2);
    await new Promise((resolve) => setTimeout(resolve, 400)); // several more polls
    expect(ofType("market-kline").filter((k) => k.payload.openTsMs === minuteStart)).toHaveLength(1);
  });

  it("survives a dropped stream: counts the reconnect and keeps delivering", async () => {
    const before = reconnects;
    expect(sim.inject.dropWebSockets("public")).toBeGreaterThan(0);
    await eventually(() => reconnects > before, "the reconnect to be counted");
    await subscribed();
    sim.setPrice("BTCUSDT", 61_000, 0.4, "sell");
    await eventually(() => ofType("market-trade").find((t) => t.payload.priceUsd === 61_000), "a trade after the reconnect");
  });

  it("stops: no more events, no open connection", async () => {
    await source.stop();
    const count = events.length;
    sim.setPrice("BTCUSDT", 61_100, 0.1, "buy");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(count);
    expect(publicTopics()).toEqual([]);
  });
});

describe("the live source while the exchange is unreachable", () => {
  it("starts anyway, keeps retrying the markets with backoff, and stops cleanly", async () => {
    const errors: string[] = [];
    const unreachable = new LiveSource({
      symbols: ["BTCUSDT"],
      clock: systemClock,
      backoff: { baseMs: 20, maxMs: 50 },
      ccxtOptions: { enableRateLimit: false, timeout: 500 },
      configure: (exchange) => {
        const urls = sim.ccxtApiUrls();
        const dead = "http://127.0.0.1:1";
        exchange.urls.api = { ...(exchange.urls.api as object), ...urls, spot: dead, futures: dead, v2: dead, public: dead, private: dead } as typeof exchange.urls.api;
      },
      onError: (what) => errors.push(what),
    });
    const seen: MarketEvent[] = [];
    await unreachable.start((batch) => void seen.push(...batch));
    await eventually(() => errors.filter((w) => w === "load markets").length >= 3, "three failed attempts");
    await unreachable.stop();
    expect(seen).toEqual([]);
  });
});
