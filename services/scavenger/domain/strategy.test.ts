import { describe, expect, it } from "vitest";
import {
  LONG_TRIGGER_USD,
  MINUTE_MS,
  READY_TS_MS,
  SHORT_TRIGGER_USD,
  burst,
  feedScenarioMarket,
  scenarioParameters,
} from "../../../tests/fixtures/scavenger/strategy-scenario.js";
import { checkSchema, SignalSchema } from "../../shared/contracts/index.js";
import { signalIdFor, toSignalMessage } from "./signal.js";
import { createScavengerStrategy } from "./strategy.js";

function readyStrategy(overrides: Record<string, unknown> = {}, configVersion = 7) {
  const strategy = createScavengerStrategy(scenarioParameters(overrides), { configVersion });
  feedScenarioMarket(strategy);
  strategy.recompute(READY_TS_MS);
  return strategy;
}

describe("scavenger strategy: a trap fires on a confirmed touch", () => {
  it("recomputation arms the volume-cluster traps with their distance to the trigger", () => {
    const strategy = readyStrategy();
    const traps = strategy.activeTraps();
    expect(traps.map((t) => [t.trapType, t.side])).toEqual([
      ["volume-cluster", "long"],
      ["volume-cluster", "short"],
    ]);
    // Last price 104: (106.4625 − 104) / 104 × 100 = 2.3678 %.
    expect(traps[0]!.distanceToTriggerPercent).toBeCloseTo(((LONG_TRIGGER_USD - 104) / 104) * 100, 10);
    expect(traps[1]!.triggerPriceUsd).toBeCloseTo(SHORT_TRIGGER_USD, 10);
    expect(traps[0]).toMatchObject({ armedAtTsMs: READY_TS_MS, coolingDownUntilTsMs: null, lastPriceUsd: 104 });
  });

  it("50 trades within 100 ms at the trigger give one signal carrying everything the brain needs", () => {
    const strategy = readyStrategy();
    const start = READY_TS_MS + 10_000;
    const signals = burst(strategy, "BTCUSDT", 106.46, start);
    expect(signals).toHaveLength(1);
    const signal = signals[0]!;
    const firedAt = start + 49 * 2;
    expect(signal).toMatchObject({ symbol: "BTCUSDT", side: "long", trapType: "volume-cluster", confidence: 95, leverage: 20, configVersion: 7, tsMs: firedAt });
    expect(signal.signalId).toBe(signalIdFor("BTCUSDT", "volume-cluster", signal.triggerPriceUsd, firedAt));
    expect(signal.triggerPriceUsd).toBeCloseTo(LONG_TRIGGER_USD, 10);
    expect(signal.entryZone.lowPriceUsd).toBeCloseTo(LONG_TRIGGER_USD * 0.999, 10);
    expect(signal.entryZone.highPriceUsd).toBeCloseTo(LONG_TRIGGER_USD * 1.001, 10);
    expect(signal.stopLossPriceUsd).toBeCloseTo(LONG_TRIGGER_USD * 0.99, 10);
    expect(signal.takeProfits).toEqual([{ priceUsd: expect.closeTo(LONG_TRIGGER_USD * 1.03, 10), fraction: 1 }]);
    expect(signal.size).toMatchObject({ winRateSource: "confidence", winRate: 0.95, limitedBy: "risk-per-trade" });
    // The fired trap is consumed until the next recomputation.
    expect(strategy.activeTraps().map((t) => t.side)).toEqual(["short"]);
    // The bus message validates against the shared contract: 1,000 USD × 0.1 margin × 20x = 2,000 USD.
    const message = toSignalMessage(signal, 1_000, firedAt - 3);
    expect(checkSchema(SignalSchema, message).ok).toBe(true);
    expect(message!.requestedNotionalUsd).toBeCloseTo(2_000, 6);
  });

  it("49 trades are not enough, and trades away from every trap are not counted", () => {
    const strategy = readyStrategy();
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 10_000, 49)).toEqual([]);
    expect(burst(strategy, "BTCUSDT", 104, READY_TS_MS + 20_000, 200, 0)).toEqual([]);
    expect(strategy.stats().signals).toBe(0);
  });

  it("a burst at the short trigger fires the short", () => {
    const strategy = readyStrategy();
    const [signal] = burst(strategy, "BTCUSDT", 101.05, READY_TS_MS + 10_000);
    expect(signal).toMatchObject({ side: "short", trapType: "volume-cluster" });
    expect(signal!.stopLossPriceUsd).toBeGreaterThan(signal!.triggerPriceUsd);
  });
});

describe("cooldown per symbol and trap type", () => {
  it("survives the minute's recomputation and ends after 5 minutes", () => {
    const strategy = readyStrategy();
    const firstFire = READY_TS_MS + 10_000;
    expect(burst(strategy, "BTCUSDT", 106.46, firstFire)).toHaveLength(1);
    const firedAt = firstFire + 98;
    // Price settles back between the peaks; the next minute re-arms the same trap (same bars, same level) ...
    strategy.onTrade("BTCUSDT", 104, 1, "sell", firedAt + 1_000);
    strategy.recompute(READY_TS_MS + MINUTE_MS);
    const rearmed = strategy.activeTraps().find((t) => t.side === "long");
    expect(rearmed).toBeDefined();
    expect(rearmed!.coolingDownUntilTsMs).toBe(firedAt + 300_000);
    // ... but a burst inside the 5 minutes gives nothing, on either side of the volume-cluster type.
    expect(burst(strategy, "BTCUSDT", 106.46, firedAt + 120_000)).toEqual([]);
    expect(burst(strategy, "BTCUSDT", 101.05, firedAt + 130_000)).toEqual([]);
    strategy.recompute(READY_TS_MS + 4 * MINUTE_MS);
    expect(burst(strategy, "BTCUSDT", 106.46, firedAt + 299_000)).toEqual([]);
    // From firedAt + 5 min on, the type may fire again.
    expect(burst(strategy, "BTCUSDT", 106.46, firedAt + 300_000)).toHaveLength(1);
  });

  it("does not cool other symbols", () => {
    const strategy = readyStrategy();
    feedScenarioMarket(strategy, "ETHUSDT", 10);
    strategy.recompute(READY_TS_MS);
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 10_000)).toHaveLength(1);
    expect(burst(strategy, "ETHUSDT", 1064.6, READY_TS_MS + 20_000)).toHaveLength(1);
  });

  it("a cooldown of 0 lets the trap fire again after the next recomputation", () => {
    const strategy = readyStrategy({ cooldownSeconds: 0 });
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 1_000)).toHaveLength(1);
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 2_000)).toEqual([]);
    strategy.onTrade("BTCUSDT", 104, 1, "sell", READY_TS_MS + 3_000);
    strategy.recompute(READY_TS_MS + MINUTE_MS);
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + MINUTE_MS + 1_000)).toHaveLength(1);
  });
});

describe("bad market data never becomes a signal", () => {
  it("NaN, zero or negative sizes and prices, and out-of-order trades are dropped and counted", () => {
    const strategy = readyStrategy();
    const t = READY_TS_MS + 10_000;
    const signals = [];
    // 45 good trades in the band, interleaved with bad ones that would otherwise complete the burst.
    for (let i = 0; i < 45; i++) signals.push(...strategy.onTrade("BTCUSDT", 106.46, 0.1, "buy", t + i));
    signals.push(...strategy.onTrade("BTCUSDT", Number.NaN, 0.1, "buy", t + 45));
    signals.push(...strategy.onTrade("BTCUSDT", 106.46, -1, "buy", t + 45));
    signals.push(...strategy.onTrade("BTCUSDT", 106.46, 0, "buy", t + 45));
    signals.push(...strategy.onTrade("BTCUSDT", -106.46, 1, "buy", t + 45));
    signals.push(...strategy.onTrade("BTCUSDT", 106.46, 1, "buy", t - 5));
    signals.push(...strategy.onTrade("BTCUSDT", 106.46, 1, "hold" as "buy", t + 46));
    expect(signals).toEqual([]);
    expect(strategy.droppedMarketData()).toMatchObject({ "non-finite": 1, "non-positive-qty": 2, "non-positive-price": 1, "out-of-order": 1, "out-of-range": 1 });
    // Five more good trades complete the 50.
    for (let i = 0; i < 5; i++) signals.push(...strategy.onTrade("BTCUSDT", 106.46, 0.1, "buy", t + 46 + i));
    expect(signals).toHaveLength(1);
  });

  it("a duplicated trade (same id) counts once", () => {
    const strategy = readyStrategy();
    const t = READY_TS_MS + 10_000;
    const signals = [];
    for (let i = 0; i < 30; i++) {
      signals.push(...strategy.onTrade("BTCUSDT", 106.46, 0.1, "buy", t + i, `id-${i}`));
      signals.push(...strategy.onTrade("BTCUSDT", 106.46, 0.1, "buy", t + i, `id-${i}`));
    }
    expect(signals).toEqual([]);
    expect(strategy.droppedMarketData().duplicate).toBe(30);
  });
});

describe("symbol ranking", () => {
  it("arms only the top N symbols", () => {
    const strategy = createScavengerStrategy(scenarioParameters({ universe: { topSymbols: 1 } }));
    feedScenarioMarket(strategy, "AAAUSDT", 1);
    feedScenarioMarket(strategy, "BBBUSDT", 100); // same shape, 100× the turnover: the better volume score
    const result = strategy.recompute(READY_TS_MS);
    expect(result.top.map((r) => r.symbol)).toEqual(["BBBUSDT"]);
    expect(result.top[0]!.traps).toBe(2);
    expect(new Set(strategy.activeTraps().map((t) => t.symbol))).toEqual(new Set(["BBBUSDT"]));
    expect(burst(strategy, "AAAUSDT", 106.46, READY_TS_MS + 10_000)).toEqual([]);
  });
});

describe("exposure limits and parameter versions", () => {
  it("proposes nothing at maxOpenPositions or after the day's maximum loss", () => {
    const strategy = readyStrategy();
    strategy.setOpenPositions(3);
    expect(burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 10_000)).toEqual([]);
    strategy.setOpenPositions(0);
    strategy.recordTradeOutcome({ trapType: "daily-level", pnlPercentOfAllocation: -5, closedTsMs: READY_TS_MS });
    expect(burst(strategy, "BTCUSDT", 101.05, READY_TS_MS + 20_000)).toEqual([]);
    expect(strategy.stats().suppressed).toMatchObject({ "max-open-positions": 1, "max-daily-loss": 1 });
    // Both bursts triggered their trap even though neither became a signal.
    expect(strategy.stats().triggered).toMatchObject({ "volume-cluster": 2, "daily-level": 0 });
  });

  it("a new parameter version changes behaviour at once and is stamped on signals; cooldowns stay", () => {
    const strategy = readyStrategy();
    strategy.setParameters(scenarioParameters({ volumeConfirmation: { minTrades: 10 }, volumeCluster: { leverage: 5 } }), 8);
    expect(strategy.configVersion).toBe(8);
    expect(strategy.activeTraps().map((t) => t.leverage)).toEqual([5, 5]);
    const [signal] = burst(strategy, "BTCUSDT", 106.46, READY_TS_MS + 2_000, 10);
    expect(signal).toMatchObject({ configVersion: 8, leverage: 5, side: "long" });
    // Rolled back to the first version: volume-cluster fired on this symbol 2 s ago and stays cooling.
    strategy.onTrade("BTCUSDT", 104, 1, "buy", READY_TS_MS + 3_000);
    strategy.setParameters(scenarioParameters(), 7);
    expect(strategy.activeTraps().map((t) => t.leverage)).toEqual([20, 20]);
    expect(burst(strategy, "BTCUSDT", 101.05, READY_TS_MS + 4_000)).toEqual([]);
    expect(burst(strategy, "BTCUSDT", 101.05, READY_TS_MS + 2_018 + 300_000)[0]).toMatchObject({ configVersion: 7, side: "short" });
  });
});

describe("parameters are checked before use", () => {
  it("refuses an invalid set with every problem, and leaves a running strategy as it was", () => {
    const bad = { ...scenarioParameters(), maxLeverage: 50, cooldownSeconds: -1 };
    expect(() => createScavengerStrategy(bad)).toThrow(/maxLeverage[\s\S]*cooldownSeconds|cooldownSeconds[\s\S]*maxLeverage/);
    const strategy = readyStrategy();
    expect(() => strategy.setParameters(bad, 9)).toThrow(/invalid scavenger parameters/);
    expect(() => strategy.setParameters(scenarioParameters(), -1)).toThrow(/configVersion/);
    expect(strategy.configVersion).toBe(7);
    expect(strategy.activeTraps()).toHaveLength(2);
  });
});
