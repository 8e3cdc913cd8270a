import { describe, expect, it } from "vitest";
import { DEFAULT_SCAVENGER_PARAMETERS as params } from "./scavenger-parameters.js";
import { rankSymbols, symbolQuality } from "./symbol-quality.js";

describe("symbol quality", () => {
  it("weighs volatility, volume and confluence 0.4 / 0.3 / 0.3, × 100", () => {
    // volatility = min(2.5 / 5, 1) = 0.5; volume = min(5e6 / 1e7, 1) = 0.5; confluence = min(1 / 3, 1).
    // (0.4 × 0.5 + 0.3 × 0.5 + 0.3 × 1/3) × 100 = (0.2 + 0.15 + 0.1) × 100 = 45.
    const quality = symbolQuality({ atrPercent: 2.5, volume24hUsd: 5_000_000, traps: 1 }, params);
    expect(quality.volatility).toBe(0.5);
    expect(quality.volume).toBe(0.5);
    expect(quality.confluence).toBeCloseTo(1 / 3, 12);
    expect(quality.score).toBeCloseTo(45, 10);
  });

  it("caps each component at 1 and scores unknown volatility as 0", () => {
    expect(symbolQuality({ atrPercent: 12, volume24hUsd: 3e7, traps: 5 }, params).score).toBeCloseTo(100, 10);
    // Only volume (1e7 → 1) counts: 0.3 × 1 × 100 = 30.
    expect(symbolQuality({ atrPercent: Number.NaN, volume24hUsd: 1e7, traps: 0 }, params).score).toBeCloseTo(30, 10);
  });

  it("ranks best first, equal scores by name, and keeps the top N", () => {
    const entry = (symbol: string, score: number) => ({ symbol, quality: { volatility: 0, volume: 0, confluence: 0, score } });
    const ranked = rankSymbols([entry("ETH", 50), entry("BTC", 50), entry("SOL", 70), entry("XRP", 10)], 3);
    expect(ranked.map((r) => r.symbol)).toEqual(["SOL", "BTC", "ETH"]);
  });
});
