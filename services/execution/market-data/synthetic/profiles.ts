// What a synthetic symbol looks like: its starting price, Bybit's tick and lot, where its round-number
// levels sit, how busy it is, and how big its open interest is. Known symbols have hand-set profiles at
// the simulator's starting prices; any other symbol gets a plausible one derived from its name.

import { hashSeed } from "./random.js";

export interface SymbolProfile {
  readonly symbol: string;
  readonly startPriceUsd: number;
  readonly tickSizeUsd: number;
  readonly lotStepQty: number;
  /** Round-number levels every this many USD: where stops and liquidations cluster. */
  readonly levelStepUsd: number;
  /** Ordinary (non-burst) trades per second in the normal regime. */
  readonly tradesPerSecond: number;
  readonly medianTradeNotionalUsd: number;
  /** Open interest the series reverts to. */
  readonly baseOpenInterestQty: number;
  /** Multiplies every regime's volatility: altcoins move more than BTC. */
  readonly volatilityScale: number;
}

const profile = (
  symbol: string,
  startPriceUsd: number,
  tickSizeUsd: number,
  lotStepQty: number,
  levelStepUsd: number,
  tradesPerSecond: number,
  medianTradeNotionalUsd: number,
  baseOpenInterestQty: number,
  volatilityScale: number,
): SymbolProfile => ({ symbol, startPriceUsd, tickSizeUsd, lotStepQty, levelStepUsd, tradesPerSecond, medianTradeNotionalUsd, baseOpenInterestQty, volatilityScale });

export const KNOWN_PROFILES: Readonly<Record<string, SymbolProfile>> = {
  BTCUSDT: profile("BTCUSDT", 60_000, 0.1, 0.001, 250, 8, 3_000, 55_000, 1),
  ETHUSDT: profile("ETHUSDT", 3_000, 0.01, 0.01, 25, 6, 2_000, 900_000, 1.2),
  SOLUSDT: profile("SOLUSDT", 150, 0.01, 0.1, 2.5, 4, 1_000, 6_000_000, 1.5),
  XRPUSDT: profile("XRPUSDT", 0.6, 0.0001, 1, 0.01, 3, 800, 300_000_000, 1.5),
  DOGEUSDT: profile("DOGEUSDT", 0.15, 0.00001, 1, 0.0025, 3, 600, 3_000_000_000, 1.8),
  BNBUSDT: profile("BNBUSDT", 550, 0.01, 0.01, 10, 3, 1_000, 500_000, 1.2),
};

export const DEFAULT_SYNTHETIC_SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"] as const;

/** A profile for a symbol without a hand-set one: a price between 1 and 100 USD chosen by its name. */
export function profileFor(symbol: string): SymbolProfile {
  const known = KNOWN_PROFILES[symbol];
  if (known) return known;
  const price = 1 + (hashSeed(7, symbol) % 9_900) / 100;
  const tick = powerOfTenBelow(price * 1e-4);
  return profile(symbol, roundTo(price, tick), tick, 0.1, niceStep(price * 0.004), 2, 500, 20_000_000 / price, 1.6);
}

const powerOfTenBelow = (x: number): number => 10 ** Math.floor(Math.log10(x));
const roundTo = (x: number, step: number): number => Number((Math.round(x / step) * step).toFixed(12));

/** 1, 2, 2.5 or 5 times a power of ten, the first at or above `x`: how people place round levels. */
function niceStep(x: number): number {
  const base = powerOfTenBelow(x);
  const mantissa = [1, 2, 2.5, 5, 10].find((m) => m * base >= x) ?? 10;
  return Number((mantissa * base).toPrecision(6));
}
