// The backtester's book around the scavenger's own strategy: an entry fills after the latency on the next
// trade, as a taker with ATR- and size-proportional slippage; a target exits as a maker at its price, a
// stop as a taker at the crossing trade; a second signal on a symbol with a position opens nothing; a
// market that ran away from the entry zone is refused; what is open at the end closes at the last price.
import { describe, expect, it } from "vitest";
import { HOUR_MS, LONG_TRIGGER_USD, T0, hourBar, scenarioParameters } from "../../../tests/fixtures/scavenger/strategy-scenario.js";
import { requestedNotionalUsd } from "../../scavenger/domain/index.js";
import { runBacktest } from "./backtester.js";
import { DEFAULT_QUANT_SETTINGS } from "./quant-settings.js";
import type { QuantTape } from "./tape.js";

type Row = [tsMs: number, priceUsd: number];

const tape = (rows: Row[]): QuantTape => ({
  symbols: ["BTCUSDT"],
  symbolIndex: new Uint16Array(rows.length),
  tsMs: Float64Array.from(rows, (r) => r[0]),
  priceUsd: Float64Array.from(rows, (r) => r[1]),
  qty: new Float64Array(rows.length).fill(0.1),
  sideSign: Int8Array.from(rows, (_, i) => (i % 2 === 0 ? 1 : -1)),
});

// The shared scenario's bars arm a volume-cluster long at 106.4625 (stop 1 %, target 3 % by default).
const warmupKlines = [
  hourBar("BTCUSDT", T0, 100, 110, 100, 110, 10),
  hourBar("BTCUSDT", T0 + HOUR_MS, 105, 105, 105, 105, 5),
  hourBar("BTCUSDT", T0 + 2 * HOUR_MS, 101, 101, 101, 101, 4),
];
const READY = T0 + 3 * HOUR_MS;
const BURST = READY + 70_000;
const burst = (startTsMs: number, priceUsd = 106.46): Row[] => Array.from({ length: 50 }, (_, i) => [startTsMs + i * 2, priceUsd] as Row);
const window = { fromMs: READY, toMs: READY + HOUR_MS - 1 };
const settings = DEFAULT_QUANT_SETTINGS.backtest;
// ATR of the three bars: true ranges 10, 5 (|105 − 110|), 4 (|101 − 105|) over the last close 101.
const ATR_FRACTION = (10 + 5 + 4) / 3 / 101;
const slip = (notionalUsd: number) => settings.slippageAtrFraction * ATR_FRACTION * (1 + notionalUsd / settings.slippageReferenceNotionalUsd);

const run = (rows: Row[], params = scenarioParameters()) => runBacktest(params, { tape: tape(rows), warmupKlines, window }, settings);

describe("the backtester's book", () => {
  it("enters on the first trade after the latency, as a taker with slippage, and exits at the target as a maker", () => {
    const signalTs = BURST + 98;
    const target = LONG_TRIGGER_USD * 1.03;
    const result = run([[READY + 10_000, 104], ...burst(BURST), [signalTs + 150, 106.5], [signalTs + 250, 106.6], [BURST + 60_000, 108], [BURST + 120_000, 110]]);
    expect(result.signals).toHaveLength(1);
    const signal = result.signals[0]!;
    expect(signal.tsMs).toBe(signalTs);
    const notionalUsd = requestedNotionalUsd(signal, settings.initialEquityUsd);
    const entryPriceUsd = 106.6 * (1 + slip(notionalUsd));
    const qty = notionalUsd / entryPriceUsd;
    expect(result.trades).toHaveLength(1);
    const trade = result.trades[0]!;
    // 106.5 printed 150 ms after the signal, inside the latency: the order was not there yet.
    expect(trade).toMatchObject({ entryTsMs: signalTs + 250, exitTsMs: BURST + 120_000, exitReason: "take-profit", exitPriceUsd: target });
    expect(trade.entryPriceUsd).toBeCloseTo(entryPriceUsd, 9);
    expect(trade.feesUsd).toBeCloseTo(notionalUsd * settings.takerFeeRate + qty * target * settings.makerFeeRate, 9);
    expect(trade.pnlUsd).toBeCloseTo(qty * (target - entryPriceUsd) - trade.feesUsd, 9);
    expect(result.figures).toMatchObject({ trades: 1, winRate: 1, maxDrawdownFraction: 0 });
    expect(result.figures.returnFraction).toBeCloseTo(trade.pnlUsd / settings.initialEquityUsd, 12);
    expect(result.equity.map((p) => p.tsMs)).toEqual([window.fromMs, BURST + 120_000]);
  });

  it("exits at the trade that crosses the stop, as a taker with slippage", () => {
    const stop = LONG_TRIGGER_USD * 0.99;
    const result = run([[READY + 10_000, 104], ...burst(BURST), [BURST + 400, 106.5], [BURST + 30_000, 105.8], [BURST + 40_000, 105.1]]);
    const trade = result.trades[0]!;
    expect(trade.exitReason).toBe("stop-loss");
    expect(105.1).toBeLessThan(stop);
    expect(trade.exitTsMs).toBe(BURST + 40_000);
    expect(trade.exitPriceUsd).toBeCloseTo(105.1 * (1 - slip(trade.qty * 105.1)), 9);
    expect(trade.pnlUsd).toBeLessThan(0);
    expect(result.figures.maxDrawdownFraction).toBeCloseTo(-trade.pnlUsd / settings.initialEquityUsd, 12);
  });

  it("refuses an entry whose market left the entry zone by more than the price band", () => {
    const result = run([[READY + 10_000, 104], ...burst(BURST), [BURST + 400, 106.46 * 1.03]]);
    expect(result.signals).toHaveLength(1);
    expect(result.trades).toEqual([]);
    expect(result.counts.refusedOutOfBand).toBe(1);
  });

  it("opens one position per symbol and closes what is open at the window's end at the last price", () => {
    // Once price is above the cluster, the next minute arms the short at 106.25 × 0.998; without a cooldown
    // it fires while the long is open.
    const params = scenarioParameters({ cooldownSeconds: 0 });
    const result = run([[READY + 10_000, 104], ...burst(BURST), [BURST + 400, 106.5], ...burst(BURST + 130_000, 106.04), [BURST + 200_000, 107]], params);
    expect(result.signals).toHaveLength(2);
    expect(result.counts).toMatchObject({ signals: 2, skippedPositionOpen: 1 });
    expect(result.trades).toHaveLength(1);
    expect(result.trades[0]).toMatchObject({ exitReason: "end-of-window", exitTsMs: BURST + 200_000 });
  });

  it("ignores signals before the window: they warm the strategy up but open nothing", () => {
    const result = runBacktest(scenarioParameters(), { tape: tape([[READY + 10_000, 104], ...burst(BURST), [BURST + 400, 106.5]]), warmupKlines, window: { fromMs: BURST + 1_000, toMs: BURST + HOUR_MS } }, settings);
    expect(result.signals).toHaveLength(1);
    expect(result.counts).toMatchObject({ signals: 0, warmupSignals: 1 });
    expect(result.trades).toEqual([]);
  });

  it("gives the same result for the same input", () => {
    const rows: Row[] = [[READY + 10_000, 104], ...burst(BURST), [BURST + 400, 106.5], [BURST + 120_000, 110]];
    expect(JSON.stringify(run(rows))).toBe(JSON.stringify(run(rows)));
  });
});
