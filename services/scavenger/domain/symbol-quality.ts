// Symbol quality (domain.md "Scavenger"): 0.4 × volatility + 0.3 × volume + 0.3 × confluence, each in
// [0, 1], × 100; volatility = min(ATR14 % / 5, 1), volume = min(24 h volume / 1e7, 1),
// confluence = min(traps / 3, 1). Each minute the top N symbols by score get their traps armed.

import type { ScavengerParameters } from "./scavenger-parameters.js";

export interface SymbolQualityInput {
  /** ATR as percent of price; NaN while there are too few bars (scores 0). */
  readonly atrPercent: number;
  readonly volume24hUsd: number;
  /** Traps the calculators and detectors found on the symbol. */
  readonly traps: number;
}

export interface SymbolQuality {
  readonly volatility: number;
  readonly volume: number;
  readonly confluence: number;
  /** 0–100. */
  readonly score: number;
}

const unit = (value: number): number => (value > 0 ? Math.min(value, 1) : 0);

export function symbolQuality(input: SymbolQualityInput, params: ScavengerParameters): SymbolQuality {
  const q = params.quality;
  const volatility = unit(input.atrPercent / q.atrPercentForFullScore);
  const volume = unit(input.volume24hUsd / q.volume24hUsdForFullScore);
  const confluence = unit(input.traps / q.trapsForFullScore);
  const score = (q.volatilityWeight * volatility + q.volumeWeight * volume + q.confluenceWeight * confluence) * 100;
  return { volatility, volume, confluence, score };
}

export interface RankedSymbol {
  readonly symbol: string;
  readonly quality: SymbolQuality;
}

/** Best first; equal scores by symbol name, so the ranking never depends on arrival order. */
export function rankSymbols<T extends RankedSymbol>(entries: readonly T[], top: number): T[] {
  return [...entries]
    .sort((a, b) => b.quality.score - a.quality.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .slice(0, Math.max(0, top));
}
