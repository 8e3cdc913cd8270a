import { describe, expect, it } from "vitest";
import { MESSAGE_REGISTRY, checkSchema } from "../../../shared/contracts/index.js";
import type { MarketEvent, MarketEventOf } from "../events.js";
import { SyntheticMarket } from "./market.js";
import type { Regime } from "./regimes.js";

const START_MS = Date.UTC(2026, 0, 1);
const MINUTE_MS = 60_000;
const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];

interface RunOptions {
  readonly stepMs?: number;
  readonly symbols?: readonly string[];
  readonly onRegimeChange?: (symbol: string, regime: Regime, tsMs: number) => void;
}

function run(seed: number, minutes: number, options: RunOptions = {}): MarketEvent[] {
  const { stepMs = MINUTE_MS, symbols = SYMBOLS, onRegimeChange } = options;
  const market = new SyntheticMarket({ seed, symbols, startMs: START_MS, ...(onRegimeChange ? { onRegimeChange } : {}) });
  const out: MarketEvent[] = [];
  const endMs = START_MS + minutes * MINUTE_MS;
  for (let t = START_MS + stepMs; t < endMs; t += stepMs) market.advanceTo(t, out);
  market.advanceTo(endMs, out);
  return out;
}

const tradesOf = (events: readonly MarketEvent[], symbol: string) =>
  events.filter((e): e is MarketEventOf<"market-trade"> => e.type === "market-trade" && e.payload.symbol === symbol);

/** Starts of 100 ms windows holding at least `minTrades` trades (one per burst: windows 1 s apart). */
function burstWindows(tsMs: readonly number[], minTrades = 50): number[] {
  const starts: number[] = [];
  let j = 0;
  for (let i = 0; i < tsMs.length; i++) {
    while ((tsMs[i] as number) - (tsMs[j] as number) >= 100) j++;
    if (i - j + 1 >= minTrades && (starts.length === 0 || (tsMs[j] as number) - (starts.at(-1) as number) > 1_000)) starts.push(tsMs[j] as number);
  }
  return starts;
}

describe("the synthetic market", () => {
  it("is deterministic: the same seed gives the same events, another seed others", { timeout: 30_000 }, () => {
    const a = run(7, 10);
    const b = run(7, 10);
    expect(a.length).toBeGreaterThan(5_000);
    expect(b).toEqual(a);
    const other = run(8, 10);
    expect(tradesOf(other, "BTCUSDT").slice(0, 50)).not.toEqual(tradesOf(a, "BTCUSDT").slice(0, 50));
  });

  it("does not depend on how time is sliced into advanceTo calls", () => {
    expect(run(3, 5, { stepMs: 37 })).toEqual(run(3, 5));
  });

  it("emits every kind of market data, each valid against its contract, in time order", () => {
    const events = run(11, 10);
    const counts: Record<string, number> = {};
    for (const event of events) {
      const key = event.type === "market-ticker" ? `ticker-${event.payload.marketType}` : event.type;
      counts[key] = (counts[key] ?? 0) + 1;
      const check = checkSchema(MESSAGE_REGISTRY[event.type].schema, event.payload);
      if (!check.ok) throw new Error(`${event.type} breaks its contract: ${check.reason}`);
    }
    expect(Object.keys(counts).sort()).toEqual(["market-funding", "market-kline", "market-open-interest", "market-trade", "ticker-linear", "ticker-spot"]);
    const perSecond = events.filter((e) => e.type === "market-ticker" && e.payload.marketType === "linear" && e.payload.symbol === "ETHUSDT");
    expect(perSecond).toHaveLength(10 * 60); // one ticker a second
    for (const symbol of SYMBOLS) {
      const ts = events.filter((e) => e.type !== "market-kline" && e.payload.symbol === symbol).map((e) => e.payload.tsMs);
      expect(ts.every((t, i) => i === 0 || t >= (ts[i - 1] as number))).toBe(true);
      const ids = tradesOf(events, symbol).map((t) => t.payload.tradeId);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it("switches between calm, normal and volatile regimes, and volatile ones move the price most", () => {
    const changes: { symbol: string; regime: Regime; tsMs: number }[] = [];
    const events = run(5, 6 * 60, { symbols: ["BTCUSDT"], onRegimeChange: (symbol, regime, tsMs) => changes.push({ symbol, regime, tsMs }) });
    expect(new Set(changes.map((c) => c.regime))).toEqual(new Set(["calm", "normal", "volatile"]));
    // Mean absolute one-second return of BTC's mark price, per regime.
    const btc = changes.filter((c) => c.symbol === "BTCUSDT");
    const regimeAt = (tsMs: number): Regime => btc.findLast((c) => c.tsMs <= tsMs)?.regime ?? "normal";
    const marks = events.filter((e): e is MarketEventOf<"market-ticker"> => e.type === "market-ticker" && e.payload.marketType === "linear" && e.payload.symbol === "BTCUSDT");
    const moves: Record<Regime, number[]> = { calm: [], normal: [], volatile: [] };
    for (let i = 1; i < marks.length; i++) {
      const prev = marks[i - 1] as MarketEventOf<"market-ticker">;
      const cur = marks[i] as MarketEventOf<"market-ticker">;
      moves[regimeAt(prev.payload.tsMs)].push(Math.abs(Math.log((cur.payload.markPriceUsd as number) / (prev.payload.markPriceUsd as number))));
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(moves.calm.length && moves.normal.length && moves.volatile.length).toBeGreaterThan(0);
    expect(mean(moves.volatile)).toBeGreaterThan(mean(moves.normal));
    expect(mean(moves.normal)).toBeGreaterThan(mean(moves.calm));
  }, 30_000);

  it("has bursts: 100 ms windows with 50 or more trades, clustered in price", () => {
    const events = run(2, 60);
    for (const symbol of SYMBOLS) {
      const trades = tradesOf(events, symbol);
      const starts = burstWindows(trades.map((t) => t.payload.tsMs));
      expect(starts.length, symbol).toBeGreaterThanOrEqual(3);
      // A burst prints in a narrow band (a level being hit); only a liquidation cascade moves it further.
      const ranges = starts.map((start) => {
        const inside = trades.filter((t) => t.payload.tsMs >= start && t.payload.tsMs < start + 100).map((t) => t.payload.priceUsd);
        return Math.max(...inside) / Math.min(...inside) - 1;
      });
      expect(Math.max(...ranges)).toBeLessThan(0.01);
      expect([...ranges].sort((x, y) => x - y)[Math.floor(ranges.length / 2)]).toBeLessThan(0.002);
    }
    // Ordinary trading is far thinner: most 100 ms windows hold at most a couple of trades.
    const btc = tradesOf(events, "BTCUSDT").length;
    expect(btc / (60 * 60 * 10)).toBeLessThan(5);
  });

  it("moves open interest, funding and the spot–perp basis", () => {
    const events = run(9, 90, { symbols: ["BTCUSDT"] });
    const oi = events.filter((e) => e.type === "market-open-interest" && e.payload.symbol === "BTCUSDT").map((e) => (e as MarketEventOf<"market-open-interest">).payload.openInterestQty);
    expect(Math.max(...oi) / Math.min(...oi)).toBeGreaterThan(1.02);
    const funding = events.filter((e): e is MarketEventOf<"market-funding"> => e.type === "market-funding" && e.payload.symbol === "BTCUSDT");
    expect(funding).toHaveLength(90);
    expect(new Set(funding.map((f) => f.payload.fundingRate)).size).toBeGreaterThan(10);
    expect(funding.every((f) => f.payload.nextFundingTsMs > f.payload.tsMs && f.payload.nextFundingTsMs % (8 * 3_600_000) === 0)).toBe(true);
    const spot = events.filter((e): e is MarketEventOf<"market-ticker"> => e.type === "market-ticker" && e.payload.marketType === "spot" && e.payload.symbol === "BTCUSDT");
    const perp = events.filter((e): e is MarketEventOf<"market-ticker"> => e.type === "market-ticker" && e.payload.marketType === "linear" && e.payload.symbol === "BTCUSDT");
    const basis = spot.map((s, i) => s.payload.lastPriceUsd / ((perp[i] as MarketEventOf<"market-ticker">).payload.markPriceUsd as number) - 1);
    expect(Math.max(...basis) - Math.min(...basis)).toBeGreaterThan(0.0002);
  }, 30_000);

  it("refuses bad options with a clear error", () => {
    expect(() => new SyntheticMarket({ seed: 1.5, symbols: ["BTCUSDT"], startMs: START_MS })).toThrow(/seed must be an integer/);
    expect(() => new SyntheticMarket({ seed: 1, symbols: [], startMs: START_MS })).toThrow(/at least one symbol/);
    expect(() => new SyntheticMarket({ seed: 1, symbols: ["BTCUSDT", "BTCUSDT"], startMs: START_MS })).toThrow(/listed twice/);
  });

  it("gives any other symbol a plausible profile of its own", () => {
    const market = new SyntheticMarket({ seed: 1, symbols: ["AVAXUSDT"], startMs: START_MS });
    const out: MarketEvent[] = [];
    market.advanceTo(START_MS + 5 * MINUTE_MS, out);
    const trades = tradesOf(out, "AVAXUSDT");
    expect(trades.length).toBeGreaterThan(100);
    expect(trades.every((t) => t.payload.priceUsd > 0.5 && t.payload.priceUsd < 200)).toBe(true);
  });
});
