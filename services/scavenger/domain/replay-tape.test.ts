import { describe, expect, it } from "vitest";
import { HOUR_MS, LONG_TRIGGER_USD, T0, scenarioParameters } from "../../../tests/fixtures/scavenger/strategy-scenario.js";
import type { KlineInput } from "./market-state.js";
import { replayTape, type TradeTapeColumns } from "./replay-tape.js";
import { createScavengerStrategy } from "./strategy.js";
import { TradeBarBuilder } from "./trade-bar-builder.js";

type Row = [symbol: number, tsMs: number, priceUsd: number, qty: number, sideSign: number];

const burstRows = (startTsMs: number, priceUsd: number, count = 50): Row[] =>
  Array.from({ length: count }, (_, i) => [0, startTsMs + i * 2, priceUsd, 0.1, i % 2 === 0 ? 1 : -1] as Row);

function tape(symbols: string[], rows: Row[]): TradeTapeColumns {
  return {
    symbols,
    symbolIndex: Int32Array.from(rows, (r) => r[0]),
    tsMs: Float64Array.from(rows, (r) => r[1]),
    priceUsd: Float64Array.from(rows, (r) => r[2]),
    qty: Float64Array.from(rows, (r) => r[3]),
    sideSign: Int8Array.from(rows, (r) => r[4]),
  };
}

describe("trade bar builder", () => {
  it("closes a bar when a later interval trades, and fills silent intervals with flat bars", () => {
    const bars: KlineInput[] = [];
    const builder = new TradeBarBuilder(["1h"], (kline) => bars.push(kline));
    builder.setSymbols(["BTCUSDT"]);
    builder.onTrade(0, 100, 2, T0 + 1_000);
    builder.onTrade(0, 110, 1, T0 + 2_000);
    builder.onTrade(0, 95, 1, T0 + 3_000);
    builder.onTrade(0, 105, 1, T0 + 3 * HOUR_MS + 5);
    // Hour 0: open 100, high 110, low 95, close 95, volume 4, turnover 200 + 110 + 95 = 405.
    // Hours 1 and 2 had no trade: flat at the last close with no volume.
    expect(bars.map((b) => [b.openTsMs - T0, b.openPriceUsd, b.highPriceUsd, b.lowPriceUsd, b.closePriceUsd, b.volumeQty, b.turnoverUsd])).toEqual([
      [0, 100, 110, 95, 95, 4, 405],
      [HOUR_MS, 95, 95, 95, 95, 0, 0],
      [2 * HOUR_MS, 95, 95, 95, 95, 0, 0],
    ]);
    builder.flush(T0 + 4 * HOUR_MS);
    expect(bars.at(-1)).toMatchObject({ openTsMs: T0 + 3 * HOUR_MS, openPriceUsd: 105, closePriceUsd: 105, volumeQty: 1, closed: true, interval: "1h" });
  });
});

describe("replayTape", () => {
  // Hourly bars built from these trades are the shared scenario's bars (100–110, 105, 101): at the 3 h
  // recomputation the last price is 101, both profile peaks are above it, and the strongest (106.25)
  // arms the long at 106.4625.
  const setup: Row[] = [
    [0, T0 + 1_000, 100, 5, 1],
    [0, T0 + 2_000, 110, 5, 1],
    [0, T0 + HOUR_MS + 1_000, 105, 5, -1],
    [0, T0 + 2 * HOUR_MS + 1_000, 101, 4, -1],
    [0, T0 + 3 * HOUR_MS + 10_000, 104, 1, 1],
  ];

  it("a trade-only tape builds its own bars, recomputes each minute and fires on a burst", () => {
    const strategy = createScavengerStrategy(scenarioParameters(), { configVersion: 3 });
    const start = T0 + 3 * HOUR_MS + 20_000;
    const result = replayTape(strategy, tape(["BTCUSDT"], [...setup, ...burstRows(start, 106.46)]));
    expect(result.trades).toBe(55);
    expect(result.recomputes).toBe(3);
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]).toMatchObject({ symbol: "BTCUSDT", side: "long", trapType: "volume-cluster", configVersion: 3, tsMs: start + 98 });
    expect(result.signals[0]!.triggerPriceUsd).toBeCloseTo(LONG_TRIGGER_USD, 10);
  });

  it("replays the same tape to the same signals, the cooldown and re-arming included", () => {
    // After the long fires at 106.46 both peaks are below the price: the next minutes arm the short at
    // 106.25 × 0.998 = 106.0375 (band 105.93 … 106.14). Trading at 106.30 touches no trap; at 106.04 the
    // short fires once the 5-minute cooldown of the first signal is over.
    const rows = [
      ...setup,
      ...burstRows(T0 + 3 * HOUR_MS + 20_000, 106.46),
      ...burstRows(T0 + 3 * HOUR_MS + 200_000, 106.3),
      ...burstRows(T0 + 3 * HOUR_MS + 400_000, 106.04),
    ];
    const first = replayTape(createScavengerStrategy(scenarioParameters()), tape(["BTCUSDT"], rows));
    const again = replayTape(createScavengerStrategy(scenarioParameters()), tape(["BTCUSDT"], rows));
    expect(again.signals).toEqual(first.signals);
    expect(first.signals.map((s) => [s.side, s.tsMs - T0 - 3 * HOUR_MS])).toEqual([
      ["long", 20_098],
      ["short", 400_098],
    ]);
  });

  it("drops bad rows, counts them, and keeps them out of the bars", () => {
    const strategy = createScavengerStrategy(scenarioParameters());
    const bad: Row[] = [
      [0, T0 + 2_500, Number.NaN, 1, 1],
      [0, T0 + 2_600, 1_000_000, -1, 1],
      [0, T0 + 500, 1_000_000, 1, 1],
    ];
    const result = replayTape(strategy, tape(["BTCUSDT"], [...setup.slice(0, 2), ...bad, ...setup.slice(2), ...burstRows(T0 + 3 * HOUR_MS + 20_000, 106.46)]));
    expect(strategy.droppedMarketData()).toMatchObject({ "non-finite": 1, "non-positive-qty": 1, "out-of-order": 1 });
    // The 1,000,000 prints never reached a bar: the profile and the signal are as without them.
    expect(result.signals).toHaveLength(1);
    expect(result.signals[0]!.triggerPriceUsd).toBeCloseTo(LONG_TRIGGER_USD, 10);
  });

  it("refuses columns of different lengths", () => {
    const columns = tape(["BTCUSDT"], setup);
    expect(() => replayTape(createScavengerStrategy(scenarioParameters()), { ...columns, qty: new Float64Array(2) })).toThrow(/same length/);
  });
});

describe("replayTape with market events", () => {
  const SECOND_MS = 1_000;
  const t0 = T0 + 3 * HOUR_MS;
  /** Only the detectors: the scenario's bars are not fed here. */
  const detectorsOnly = () => scenarioParameters({ volumeCluster: { enabled: false }, bollingerSqueeze: { enabled: false }, dailyLevel: { enabled: false } });
  type EventRow = [kind: number, symbol: number, tsMs: number, value: number];
  const withEvents = (columns: TradeTapeColumns, events: EventRow[]): TradeTapeColumns => ({
    ...columns,
    marketEvents: {
      kind: Uint8Array.from(events, (e) => e[0]),
      symbolIndex: Uint16Array.from(events, (e) => e[1]),
      tsMs: Float64Array.from(events, (e) => e[2]),
      value: Float64Array.from(events, (e) => e[3]),
    },
  });
  const [OPEN_INTEREST, , SPOT] = [0, 1, 2];

  it("feeds open interest to the oi-wipeout detector as the live service would, and the trap fires", () => {
    // The strategy-detectors scenario as a tape: a flush from 100 to 97 while open interest falls 20 %.
    const rows: Row[] = [
      [0, t0 - SECOND_MS, 100, 1, 1],
      [0, t0 + 10 * SECOND_MS, 100, 1, 1],
      [0, t0 + 200 * SECOND_MS, 98, 3, -1],
      [0, t0 + 290 * SECOND_MS, 97, 5, 1],
      ...burstRows(t0 + 310 * SECOND_MS, 97),
    ];
    const columns = withEvents(tape(["SOLUSDT"], rows), [
      [OPEN_INTEREST, 0, t0, 1_000],
      [OPEN_INTEREST, 0, t0 + 300 * SECOND_MS, 800],
    ]);
    const strategy = createScavengerStrategy(detectorsOnly());
    const result = replayTape(strategy, columns, { buildBars: false });
    expect(result.marketEvents).toBe(2);
    expect(result.signals).toEqual([expect.objectContaining({ trapType: "oi-wipeout", side: "long", triggerPriceUsd: 97, tsMs: t0 + 310 * SECOND_MS + 98 })]);
    // Without the open interest, nothing: the detector has no input.
    expect(replayTape(createScavengerStrategy(detectorsOnly()), tape(["SOLUSDT"], rows), { buildBars: false }).signals).toEqual([]);
  });

  it("delivers an event before a trade of the same millisecond, and after the trades before it", () => {
    // 24 h turnover for the basis detector: one closed hourly bar of 2 M USD.
    const bar = { symbol: "XRPUSDT", interval: "1h", openTsMs: t0 - HOUR_MS, openPriceUsd: 99.5, highPriceUsd: 100, lowPriceUsd: 99, closePriceUsd: 99.5, volumeQty: 20_000, turnoverUsd: 2_000_000, closed: true };
    const run = (spotTsMs: number) => {
      const strategy = createScavengerStrategy(detectorsOnly());
      strategy.onKline(bar);
      strategy.recompute(t0);
      const rows: Row[] = [
        [0, t0 + SECOND_MS, 100, 1, 1],
        [0, t0 + 2 * SECOND_MS, 99.4, 1, -1],
      ];
      replayTape(strategy, withEvents(tape(["XRPUSDT"], rows), [[SPOT, 0, spotTsMs, 100]]), { buildBars: false });
      return strategy.activeTraps().map((trap) => [trap.trapType, trap.triggerPriceUsd]);
    };
    // Spot at 100 when the perpetual last traded 99.4: a 0.6 % discount arms the basis trap at 99.4.
    expect(run(t0 + 2 * SECOND_MS + 1)).toEqual([["basis", 99.4]]);
    // At the same millisecond as the 99.4 trade the event comes first: the perpetual is still at 100.
    expect(run(t0 + 2 * SECOND_MS)).toEqual([]);
  });

  it("recomputes at the interval boundaries events cross, and delivers events after the last trade", () => {
    const strategy = createScavengerStrategy(detectorsOnly());
    const columns = withEvents(tape(["SOLUSDT"], [[0, t0 + 10 * SECOND_MS, 100, 1, 1]]), [
      [OPEN_INTEREST, 0, t0 + 5 * SECOND_MS, 1_000],
      [OPEN_INTEREST, 0, t0 + 65 * SECOND_MS, 1_000],
      [OPEN_INTEREST, 0, t0 + 185 * SECOND_MS, 1_000],
    ]);
    const result = replayTape(strategy, columns, { buildBars: false });
    // Boundaries t0 + 60 s and t0 + 180 s are crossed by events (the one at t0 + 120 s by nothing).
    expect(result.recomputes).toBe(2);
    expect(strategy.stats().lastRecomputeTsMs).toBe(t0 + 180 * SECOND_MS);
    expect(result.marketEvents).toBe(3);
  });

  it("refuses an event table that does not fit the tape", () => {
    const columns = tape(["SOLUSDT"], [[0, t0, 100, 1, 1]]);
    const replay = (events: EventRow[], patch: Record<string, unknown> = {}) => () => {
      const table = withEvents(columns, events);
      replayTape(createScavengerStrategy(detectorsOnly()), { ...table, marketEvents: { ...table.marketEvents!, ...patch } });
    };
    expect(replay([[7, 0, t0, 1]])).toThrow(/kind 7/);
    expect(replay([[OPEN_INTEREST, 3, t0, 1]])).toThrow(/symbol number 3/);
    expect(replay([[OPEN_INTEREST, 0, t0 + 5, 1], [OPEN_INTEREST, 0, t0, 1]])).toThrow(/time order/);
    expect(replay([[OPEN_INTEREST, 0, t0, 1]], { value: new Float64Array(2) })).toThrow(/differ in length/);
  });
});
