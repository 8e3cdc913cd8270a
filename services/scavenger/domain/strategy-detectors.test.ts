import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS, READY_TS_MS, burst, hourBar } from "../../../tests/fixtures/scavenger/strategy-scenario.js";
import { loadScavengerParameters } from "./scavenger-parameters.js";
import { createScavengerStrategy } from "./strategy.js";

const DAY_MS = 24 * HOUR_MS;
const SECOND_MS = 1_000;
/** Only the detectors and the daily level: no bars for the other calculators here. */
const params = loadScavengerParameters({ volumeCluster: { enabled: false }, bollingerSqueeze: { enabled: false } });

describe("detectors inside the engine", () => {
  it("open-interest wipeout: armed when open interest is reported after the flush, fired by a burst", () => {
    const strategy = createScavengerStrategy(params);
    const t0 = READY_TS_MS;
    strategy.onTrade("SOLUSDT", 100, 1, "buy", t0 - SECOND_MS);
    strategy.recompute(t0);
    strategy.onOpenInterest("SOLUSDT", 1_000, t0);
    // 5-minute high 100 (t0 + 10 s); −3 % to 97; 60 s CVD at t0 + 300 s: +5 (the sell at 200 s is older).
    strategy.onTrade("SOLUSDT", 100, 1, "buy", t0 + 10 * SECOND_MS);
    strategy.onTrade("SOLUSDT", 98, 3, "sell", t0 + 200 * SECOND_MS);
    strategy.onTrade("SOLUSDT", 97, 5, "buy", t0 + 290 * SECOND_MS);
    // Open interest 800 against the 1,000 of 5 minutes ago: −20 %.
    strategy.onOpenInterest("SOLUSDT", 800, t0 + 300 * SECOND_MS);
    const [trap] = strategy.activeTraps();
    expect(trap).toMatchObject({ trapType: "oi-wipeout", side: "long", triggerPriceUsd: 97, takeProfitPriceUsd: 98.5 });
    // Still flushed a little later: the trap stays where it was armed, it does not chase the price.
    strategy.onTrade("SOLUSDT", 96.95, 1, "buy", t0 + 305 * SECOND_MS);
    strategy.onOpenInterest("SOLUSDT", 790, t0 + 306 * SECOND_MS);
    expect(strategy.activeTraps()[0]).toMatchObject({ triggerPriceUsd: 97, armedAtTsMs: t0 + 300 * SECOND_MS });
    // Nor does the minute's recomputation move it while the condition holds.
    strategy.recompute(t0 + 307 * SECOND_MS);
    expect(strategy.activeTraps()).toEqual([expect.objectContaining({ trapType: "oi-wipeout", triggerPriceUsd: 97, armedAtTsMs: t0 + 300 * SECOND_MS })]);
    const [signal] = burst(strategy, "SOLUSDT", 97, t0 + 310 * SECOND_MS);
    expect(signal).toMatchObject({ trapType: "oi-wipeout", side: "long", takeProfits: [{ priceUsd: 98.5, fraction: 1 }] });
    expect(signal!.stopLossPriceUsd).toBeCloseTo(95.06, 10);
  });

  it("open-interest wipeout: disarmed when the condition lapses, and never armed off the top symbols", () => {
    const t0 = READY_TS_MS;
    const flush = (strategy: ReturnType<typeof createScavengerStrategy>, ranked: boolean) => {
      // The reference (t0 + 5 s) is ≥ 5 min before the drop's report (t0 + 305 s); the high (t0 + 10 s) within it.
      strategy.onOpenInterest("SOLUSDT", 1_000, t0 + 5 * SECOND_MS);
      strategy.onTrade("SOLUSDT", 100, 1, "buy", t0 + 10 * SECOND_MS);
      if (ranked) strategy.recompute(t0 + 10 * SECOND_MS);
      strategy.onTrade("SOLUSDT", 97, 5, "buy", t0 + 290 * SECOND_MS);
      strategy.onOpenInterest("SOLUSDT", 800, t0 + 305 * SECOND_MS);
    };
    const strategy = createScavengerStrategy(params);
    flush(strategy, true);
    expect(strategy.activeTraps()).toHaveLength(1);
    strategy.onOpenInterest("SOLUSDT", 1_000, t0 + 320 * SECOND_MS);
    expect(strategy.activeTraps()).toHaveLength(0);

    const unranked = createScavengerStrategy(params);
    flush(unranked, false);
    expect(unranked.activeTraps()).toHaveLength(0);
  });

  it("funding squeeze: higher lows on closed 5 m bars plus negative funding and buying", () => {
    const strategy = createScavengerStrategy(params);
    const t = READY_TS_MS + MINUTE_MS;
    strategy.onTrade("ETHUSDT", 99, 10, "buy", t - SECOND_MS);
    strategy.recompute(t - SECOND_MS);
    // Lows 95 < 96 < 97, highs 98 / 99 / 100.
    [95, 96, 97].forEach((low, i) =>
      strategy.onKline({ ...hourBar("ETHUSDT", READY_TS_MS - (3 - i) * 5 * MINUTE_MS, low + 1.5, low + 3, low, low + 1.5, 100), interval: "5m" }),
    );
    expect(strategy.activeTraps()).toHaveLength(0);
    // −0.03 % funding completes it: long at 99, target 100 × 1.02 = 102, stop 97 × 0.995 = 96.515.
    strategy.onFunding("ETHUSDT", -0.0003, t);
    const [trap] = strategy.activeTraps();
    expect(trap).toMatchObject({ trapType: "funding-squeeze", triggerPriceUsd: 99, levelPriceUsd: 97 });
    expect(trap!.takeProfitPriceUsd).toBeCloseTo(102, 10);
    expect(trap!.stopLossPriceUsd).toBeCloseTo(96.515, 10);
  });

  it("basis: a perpetual 0.6 % under spot with 2 M USD of 24 h turnover", () => {
    const strategy = createScavengerStrategy(params);
    strategy.onKline({ ...hourBar("XRPUSDT", READY_TS_MS - HOUR_MS, 99.5, 100, 99, 99.5, 20_000), turnoverUsd: 2_000_000 });
    strategy.onTrade("XRPUSDT", 99.4, 1, "sell", READY_TS_MS);
    strategy.recompute(READY_TS_MS);
    strategy.onSpotPrice("XRPUSDT", 100, READY_TS_MS + SECOND_MS);
    const [trap] = strategy.activeTraps();
    expect(trap).toMatchObject({ trapType: "basis", side: "long", triggerPriceUsd: 99.4, levelPriceUsd: 100 });
    expect(trap!.takeProfitPriceUsd).toBeCloseTo(99.9, 10);
    // The spot price closes the gap: the trap goes.
    strategy.onSpotPrice("XRPUSDT", 99.5, READY_TS_MS + 2 * SECOND_MS);
    expect(strategy.activeTraps()).toHaveLength(0);
  });

  it("daily level: the previous UTC day's high within 2 % arms a long at high × 1.001", () => {
    const strategy = createScavengerStrategy(params);
    const yesterday = READY_TS_MS - (READY_TS_MS % DAY_MS);
    strategy.onKline({ ...hourBar("ADAUSDT", yesterday, 99, 102, 97, 100, 1_000), interval: "1d" });
    const today = yesterday + DAY_MS + 2 * HOUR_MS;
    strategy.onTrade("ADAUSDT", 100, 1, "buy", today);
    const result = strategy.recompute(today);
    expect(result.top[0]).toMatchObject({ symbol: "ADAUSDT", traps: 1 });
    const [trap] = strategy.activeTraps();
    expect(trap).toMatchObject({ trapType: "daily-level", side: "long", levelPriceUsd: 102, leverage: 12, confidence: 85 });
    expect(trap!.triggerPriceUsd).toBeCloseTo(102.102, 10);
    expect(burst(strategy, "ADAUSDT", 102.1, today + MINUTE_MS)[0]).toMatchObject({ trapType: "daily-level", side: "long" });
  });
});
