// What a venue allows for one symbol: the grid of prices and sizes and the limits around them. The paper
// venue and the Bybit simulator both refuse an order that does not fit, with the reason the venue would give.

import { isOnStep } from "./decimal.js";

export interface InstrumentSpec {
  /** Venue symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly tickSizeUsd: number;
  readonly lotStepQty: number;
  readonly minQty: number;
  readonly maxQty: number;
  readonly minNotionalUsd: number;
  readonly minPriceUsd: number;
  readonly maxPriceUsd: number;
  readonly maxLeverage: number;
}

/** Why an order does not fit the instrument, named after the rule it breaks. */
export type InstrumentViolation =
  | "qty-not-positive"
  | "qty-not-on-step"
  | "qty-below-min"
  | "qty-above-max"
  | "price-not-positive"
  | "price-not-on-tick"
  | "price-out-of-range"
  | "notional-below-min";

/** Checks a size and, for priced orders, its price; `referencePriceUsd` values a market order's notional. */
export function checkOrderFits(
  spec: InstrumentSpec,
  qty: number,
  limitPriceUsd: number | null,
  referencePriceUsd: number,
): InstrumentViolation | null {
  if (!(qty > 0) || !Number.isFinite(qty)) return "qty-not-positive";
  if (!isOnStep(qty, spec.lotStepQty)) return "qty-not-on-step";
  if (qty < spec.minQty) return "qty-below-min";
  if (qty > spec.maxQty) return "qty-above-max";
  if (limitPriceUsd !== null) {
    const priceViolation = checkPrice(spec, limitPriceUsd);
    if (priceViolation) return priceViolation;
  }
  if (qty * (limitPriceUsd ?? referencePriceUsd) < spec.minNotionalUsd) return "notional-below-min";
  return null;
}

export function checkPrice(spec: InstrumentSpec, priceUsd: number): InstrumentViolation | null {
  if (!(priceUsd > 0) || !Number.isFinite(priceUsd)) return "price-not-positive";
  if (!isOnStep(priceUsd, spec.tickSizeUsd)) return "price-not-on-tick";
  if (priceUsd < spec.minPriceUsd || priceUsd > spec.maxPriceUsd) return "price-out-of-range";
  return null;
}

/** Refuses a spec that could never accept an order, before any engine runs with it. */
export function assertValidInstrument(spec: InstrumentSpec): void {
  const positive: (keyof InstrumentSpec)[] = ["tickSizeUsd", "lotStepQty", "minQty", "maxQty", "minPriceUsd", "maxPriceUsd", "maxLeverage"];
  for (const key of positive) {
    const value = spec[key];
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new RangeError(`instrument ${spec.symbol}: ${key} must be a positive number, got ${String(value)}`);
    }
  }
  if (spec.minNotionalUsd < 0) throw new RangeError(`instrument ${spec.symbol}: minNotionalUsd must not be negative`);
  if (spec.minQty > spec.maxQty) throw new RangeError(`instrument ${spec.symbol}: minQty ${spec.minQty} exceeds maxQty ${spec.maxQty}`);
  if (spec.minPriceUsd > spec.maxPriceUsd) throw new RangeError(`instrument ${spec.symbol}: minPriceUsd exceeds maxPriceUsd`);
  if (!isOnStep(spec.minQty, spec.lotStepQty)) throw new RangeError(`instrument ${spec.symbol}: minQty is not a multiple of lotStepQty`);
}
