// The detectors' inputs from recorded market data: kept and attributed as the live scavenger does it
// (services/scavenger/engine.ts), and read back from a tape execution's own writer recorded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MarketEvent } from "../../execution/market-data/events.js";
import { SyntheticMarket } from "../../execution/market-data/synthetic/market.js";
import { TapeWriter } from "../../execution/market-data/tape/writer.js";
import { createScavengerStrategy, DEFAULT_SCAVENGER_PARAMETERS, replayTape, TAPE_EVENT_KINDS } from "../../scavenger/domain/index.js";
import { ManualClock } from "../../shared/clock.js";
import { tapeEventsFrom } from "./market-events.js";
import { readTape } from "./sources.js";

const T0 = Date.UTC(2026, 0, 1, 6);
const base = { version: 1 as const, venue: "paper" as const, marketType: "linear" as const };
const at = (tsMs: number) => ({ venueTsMs: tsMs, tsMs: tsMs + 7 });
const kind = (name: (typeof TAPE_EVENT_KINDS)[number]) => TAPE_EVENT_KINDS.indexOf(name);
const dir = mkdtempSync(join(tmpdir(), "titan-quant-events-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("market events for the tape", () => {
  it("keeps what the live scavenger acts on, under the perpetual it is about", () => {
    const events: MarketEvent[] = [
      { type: "market-open-interest", payload: { ...base, ...at(T0 + 5), symbol: "BTC/USDT:USDT", openInterestQty: 1_200 } },
      { type: "market-open-interest", payload: { ...base, ...at(T0 + 6), marketType: "spot", symbol: "BTC/USDT:USDT", openInterestQty: 1 } },
      { type: "market-funding", payload: { ...base, ...at(T0 + 2), symbol: "BTC/USDT:USDT", fundingRate: -0.0003, nextFundingTsMs: T0 + 3_600_000 } },
      // Spot prices come as the spot market's ticker or trades; ccxt's spot name maps to the perpetual.
      { type: "market-ticker", payload: { ...base, ...at(T0 + 2), marketType: "spot", symbol: "BTC/USDT", bidPriceUsd: null, askPriceUsd: null, lastPriceUsd: 101, volume24hQty: 0, turnover24hUsd: 0 } },
      { type: "market-trade", payload: { ...base, ...at(T0 + 9), marketType: "spot", symbol: "ETHUSDT", tradeId: "x", side: "buy", priceUsd: 55, qty: 1 } },
      // The perpetual's own ticker, its trades and bars, and symbols not on the tape are not detector inputs.
      { type: "market-ticker", payload: { ...base, ...at(T0 + 3), symbol: "ETHUSDT", bidPriceUsd: 50, askPriceUsd: 51, lastPriceUsd: 50.5, volume24hQty: 1, turnover24hUsd: 50 } },
      { type: "market-trade", payload: { ...base, ...at(T0 + 4), symbol: "ETHUSDT", tradeId: "y", side: "sell", priceUsd: 50, qty: 1 } },
      { type: "market-funding", payload: { ...base, ...at(T0 + 4), symbol: "SOLUSDT", fundingRate: 0.0001, nextFundingTsMs: T0 + 3_600_000 } },
      { type: "market-open-interest", payload: { ...base, ...at(T0 + 99), symbol: "ETHUSDT", openInterestQty: 7 } },
    ];
    const table = tapeEventsFrom(events, ["BTC/USDT:USDT", "ETHUSDT"], T0, T0 + 50);
    // In time order by the venue's time; same-time events keep their order.
    expect(Array.from(table.tsMs)).toEqual([T0 + 2, T0 + 2, T0 + 5, T0 + 9]);
    expect(Array.from(table.kind)).toEqual([kind("funding"), kind("spot-price"), kind("open-interest"), kind("spot-price")]);
    expect(Array.from(table.symbolIndex)).toEqual([0, 0, 0, 1]);
    expect(Array.from(table.value)).toEqual([-0.0003, 101, 1_200, 55]);
  });

  it("are read back from a recorded tape beside its trades, and replay through the strategy", async () => {
    const clock = new ManualClock(T0);
    const writer = new TapeWriter({ dir, clock });
    const market = new SyntheticMarket({ seed: 5, symbols: ["BTCUSDT", "ETHUSDT"], startMs: T0 });
    const recorded: MarketEvent[] = [];
    for (let t = T0 + 100; t <= T0 + 3 * 60_000; t += 100) {
      const batch: MarketEvent[] = [];
      market.advanceTo(t, batch);
      writer.record(batch);
      recorded.push(...batch);
      clock.advance(100);
    }
    await writer.close();

    const fromMs = T0 + 30_000;
    const toMs = T0 + 150_000;
    const { tape, problems } = await readTape(dir, fromMs, toMs);
    expect(problems).toEqual([]);
    expect(tape.symbols).toEqual(["BTCUSDT", "ETHUSDT"]);
    const inRange = (e: MarketEvent) => e.payload.venueTsMs >= fromMs && e.payload.venueTsMs < toMs;
    const expected = {
      "open-interest": recorded.filter((e) => e.type === "market-open-interest" && inRange(e)).length,
      funding: recorded.filter((e) => e.type === "market-funding" && inRange(e)).length,
      "spot-price": recorded.filter((e) => e.type === "market-ticker" && e.payload.marketType === "spot" && inRange(e)).length,
    };
    // The synthetic market: spot every second, open interest every 5 s, funding every minute, per symbol.
    expect(expected).toEqual({ "open-interest": 48, funding: 4, "spot-price": 240 });
    const events = tape.marketEvents!;
    for (const name of TAPE_EVENT_KINDS) expect(Array.from(events.kind).filter((k) => k === kind(name)).length).toBe(expected[name]);
    const ethSpot = recorded.filter((e) => e.type === "market-ticker" && e.payload.marketType === "spot" && e.payload.symbol === "ETHUSDT" && inRange(e));
    const ethSpotRows = Array.from(events.kind.keys()).filter((i) => events.kind[i] === kind("spot-price") && events.symbolIndex[i] === 1);
    expect(ethSpotRows.map((i) => [events.tsMs[i], events.value[i]])).toEqual(ethSpot.map((e) => [e.payload.venueTsMs, e.type === "market-ticker" ? e.payload.lastPriceUsd : NaN]));

    const replay = replayTape(createScavengerStrategy(DEFAULT_SCAVENGER_PARAMETERS), tape);
    expect(replay.marketEvents).toBe(48 + 4 + 240);
    expect(replay.trades).toBe(tape.tsMs.length);
  });
});
