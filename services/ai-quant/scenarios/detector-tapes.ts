// Seeded tapes with one detector's pattern planted, for the tests that every detector the live scavenger
// runs is backtested: one symbol trading about once a second at 100 USD (about 3.6 M USD an hour, so the
// basis detector's 24 h volume is met once the first hourly bar has closed), with its open interest every
// 5 s, funding every minute and the spot price every second — all quiet, so nothing fires — until the
// pattern, then a burst of trades at the price the detector arms its trap at:
// - oi-wipeout: a flush from 100 to 96 in 30 s while open interest falls 25 %, then buyers at 96;
// - funding-squeeze: four 5 m bars with rising lows on buying, then funding turns to −0.05 % while price
//   holds at 101.40;
// - basis: the perpetual drops to 99.30 while spot stays at 100 (a 0.7 % discount).
// The level calculators stay silent: the tape is shorter than a day and than their bar look-backs.

import { SeededRandom, hashSeed } from "../../execution/market-data/synthetic/random.js";
import { DEFAULT_SCAVENGER_PARAMETERS, TAPE_EVENT_KINDS, type TapeEventKind } from "../../scavenger/domain/index.js";
import type { QuantTape } from "../domain/tape.js";

export const DETECTOR_TRAPS = ["oi-wipeout", "funding-squeeze", "basis"] as const;
export type DetectorTrap = (typeof DETECTOR_TRAPS)[number];

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
/** More trades than the volume confirmation needs, one a millisecond: well inside its window. */
const BURST_TRADES = DEFAULT_SCAVENGER_PARAMETERS.volumeConfirmation.minTrades + 10;
const BASE_PRICE_USD = 100;
const OPEN_INTEREST_QTY = 1_000_000;
const QUIET_FUNDING_RATE = 0.0001;

export interface DetectorTapeOptions {
  readonly seed?: number;
  /** The tape's first millisecond; a UTC midnight by default. */
  readonly startMs?: number;
  readonly symbol?: string;
}

export interface DetectorTape extends QuantTape {
  readonly planted: { readonly trapType: DetectorTrap; readonly burstTsMs: number; readonly triggerPriceUsd: number };
}

interface Trade {
  readonly tsMs: number;
  readonly priceUsd: number;
  readonly qty: number;
  readonly sideSign: 1 | -1;
}

interface Event {
  readonly kind: number;
  readonly tsMs: number;
  readonly value: number;
}

const KIND = (kind: TapeEventKind): number => TAPE_EVENT_KINDS.indexOf(kind);
const cents = (priceUsd: number): number => Math.round(priceUsd * 100) / 100;

class Builder {
  readonly trades: Trade[] = [];
  readonly events: Event[] = [];
  constructor(readonly random: SeededRandom) {}

  /** Trades about once a second in [fromMs, toMs) around `priceAt` (±0.02 %); `buyShare` of them taker buys. */
  ambient(fromMs: number, toMs: number, priceAt: (tsMs: number) => number, buyShare = 0.5, noise = 0.0002): void {
    for (let t = fromMs + Math.floor(this.random.exponential(SECOND_MS)); t < toMs; t += 1 + Math.floor(this.random.exponential(SECOND_MS)))
      this.trade(t, priceAt(t) * (1 + noise * this.random.normal()), this.random.chance(buyShare) ? 1 : -1);
  }

  /** Trades every `everyMs` in [fromMs, toMs) exactly at `priceAt`, all on one side. */
  steady(fromMs: number, toMs: number, everyMs: number, priceAt: (tsMs: number) => number, sideSign: 1 | -1, qty?: number): void {
    for (let t = fromMs; t < toMs; t += everyMs) this.trade(t, priceAt(t), sideSign, qty);
  }

  trade(tsMs: number, priceUsd: number, sideSign: 1 | -1, qty = Number(this.random.logNormal(10, 0.5).toPrecision(4))): void {
    this.trades.push({ tsMs, priceUsd: cents(priceUsd), qty, sideSign });
  }

  /** The confirmed burst: one trade a millisecond within ±0.03 % of the trigger. */
  burst(tsMs: number, triggerPriceUsd: number): void {
    for (let i = 0; i < BURST_TRADES; i++)
      this.trades.push({ tsMs: tsMs + i, priceUsd: triggerPriceUsd * (1 + 0.0003 * (2 * this.random.next() - 1)), qty: 1, sideSign: this.random.chance(0.7) ? 1 : -1 });
  }

  /** One event of `kind` every `everyMs` in [fromMs, toMs), `offsetMs` into each period (off the minute's boundaries). */
  periodic(kind: TapeEventKind, fromMs: number, toMs: number, everyMs: number, offsetMs: number, valueAt: (tsMs: number) => number): void {
    for (let t = fromMs + offsetMs; t < toMs; t += everyMs) this.events.push({ kind: KIND(kind), tsMs: t, value: valueAt(t) });
  }
}

/** A piecewise-linear price path through (time, price) knots. */
const path =
  (...knots: Array<[number, number]>) =>
  (tsMs: number): number => {
    let i = 0;
    while (i + 1 < knots.length && (knots[i + 1] as [number, number])[0] <= tsMs) i++;
    const [t0, p0] = knots[i] as [number, number];
    const next = knots[i + 1];
    if (!next || tsMs <= t0) return p0;
    return p0 + ((next[1] - p0) * (tsMs - t0)) / (next[0] - t0);
  };

function oiWipeout(b: Builder, t0: number): DetectorTape["planted"] & { endMs: number } {
  const flushMs = t0 + 70 * MINUTE_MS;
  const burstMs = flushMs + 90 * SECOND_MS;
  const endMs = flushMs + 15 * MINUTE_MS;
  const flushedUsd = 96;
  b.ambient(t0, flushMs, () => BASE_PRICE_USD);
  // Longs flushed: sellers take price down 4 % in 30 s; then buyers lead at the flushed price.
  b.steady(flushMs, flushMs + 30 * SECOND_MS, 250, path([flushMs, BASE_PRICE_USD], [flushMs + 30 * SECOND_MS, flushedUsd]), -1, 5);
  b.steady(flushMs + 30 * SECOND_MS, burstMs, 500, () => flushedUsd, 1, 20);
  b.burst(burstMs, flushedUsd);
  b.ambient(burstMs + BURST_TRADES, endMs, path([burstMs, flushedUsd], [burstMs + 3 * MINUTE_MS, 98]), 0.6);
  const price = path([t0, BASE_PRICE_USD], [flushMs, BASE_PRICE_USD], [flushMs + 30 * SECOND_MS, flushedUsd], [burstMs, flushedUsd], [burstMs + 3 * MINUTE_MS, 98]);
  b.periodic("open-interest", t0, endMs, 5 * SECOND_MS, 0, path([t0, OPEN_INTEREST_QTY], [flushMs, OPEN_INTEREST_QTY], [flushMs + 30 * SECOND_MS, 0.75 * OPEN_INTEREST_QTY]));
  b.periodic("funding", t0, endMs, MINUTE_MS, 30 * SECOND_MS, () => QUIET_FUNDING_RATE);
  b.periodic("spot-price", t0, endMs, SECOND_MS, 500, (t) => cents(price(t)));
  return { trapType: "oi-wipeout", burstTsMs: burstMs, triggerPriceUsd: flushedUsd, endMs };
}

function fundingSqueeze(b: Builder, t0: number): DetectorTape["planted"] & { endMs: number } {
  const stairsMs = t0 + 60 * MINUTE_MS;
  const fundingTurnsMs = stairsMs + 20 * MINUTE_MS + 30 * SECOND_MS;
  const burstMs = fundingTurnsMs + 20 * SECOND_MS;
  const endMs = stairsMs + 35 * MINUTE_MS;
  const holdUsd = 101.4;
  b.ambient(t0, stairsMs, () => BASE_PRICE_USD);
  // Four 5 m bars, each rising from a low 0.30 above the last one's, on buying.
  for (let k = 0; k < 4; k++) {
    const barMs = stairsMs + k * 5 * MINUTE_MS;
    const lowUsd = BASE_PRICE_USD + 0.3 * (k + 1);
    b.ambient(barMs, barMs + 5 * MINUTE_MS, path([barMs, lowUsd], [barMs + 5 * MINUTE_MS, lowUsd + 0.4]), 0.7, 0);
  }
  b.steady(stairsMs + 20 * MINUTE_MS, burstMs, 1_000, () => holdUsd, 1, 10);
  b.burst(burstMs, holdUsd);
  b.ambient(burstMs + BURST_TRADES, endMs, path([burstMs, holdUsd], [burstMs + 5 * MINUTE_MS, 102]), 0.6);
  // Funding is quiet until shorts start paying, in the minute after the fourth bar closed.
  b.periodic("funding", t0, endMs, MINUTE_MS, 30 * SECOND_MS, (t) => (t >= fundingTurnsMs ? -0.0005 : QUIET_FUNDING_RATE));
  b.periodic("open-interest", t0, endMs, 5 * SECOND_MS, 0, () => OPEN_INTEREST_QTY);
  const last = lastTradePrice(b);
  b.periodic("spot-price", t0, endMs, SECOND_MS, 500, last);
  return { trapType: "funding-squeeze", burstTsMs: burstMs, triggerPriceUsd: holdUsd, endMs };
}

function basis(b: Builder, t0: number): DetectorTape["planted"] & { endMs: number } {
  const discountMs = t0 + 70 * MINUTE_MS;
  const burstMs = discountMs + 30 * SECOND_MS;
  const endMs = discountMs + 15 * MINUTE_MS;
  const perpUsd = 99.3;
  b.ambient(t0, discountMs, () => BASE_PRICE_USD);
  // The perpetual trades 0.7 % under spot, then converges.
  b.steady(discountMs + 100, burstMs, 500, () => perpUsd, 1, 10);
  b.burst(burstMs, perpUsd);
  b.ambient(burstMs + BURST_TRADES, endMs, path([burstMs, perpUsd], [burstMs + 2 * MINUTE_MS, 99.95]));
  b.periodic("spot-price", t0, endMs, SECOND_MS, 500, () => BASE_PRICE_USD);
  b.periodic("open-interest", t0, endMs, 5 * SECOND_MS, 0, () => OPEN_INTEREST_QTY);
  b.periodic("funding", t0, endMs, MINUTE_MS, 30 * SECOND_MS, () => QUIET_FUNDING_RATE);
  return { trapType: "basis", burstTsMs: burstMs, triggerPriceUsd: perpUsd, endMs };
}

/** The spot price as the perpetual's last trade before each time: no basis at all. */
function lastTradePrice(b: Builder): (tsMs: number) => number {
  const sorted = [...b.trades].sort((x, y) => x.tsMs - y.tsMs);
  let i = 0;
  return (tsMs) => {
    while (i + 1 < sorted.length && (sorted[i + 1] as Trade).tsMs <= tsMs) i++;
    return (sorted[i] as Trade).priceUsd;
  };
}

const PATTERNS: Record<DetectorTrap, (b: Builder, t0: number) => DetectorTape["planted"] & { endMs: number }> = {
  "oi-wipeout": oiWipeout,
  "funding-squeeze": fundingSqueeze,
  basis,
};

/** The tape with `trap`'s pattern planted. Deterministic for its options. */
export function detectorTape(trap: DetectorTrap, options: DetectorTapeOptions = {}): DetectorTape {
  if (!DETECTOR_TRAPS.includes(trap)) throw new RangeError(`unknown detector '${String(trap)}'; detectors are ${DETECTOR_TRAPS.join(", ")}`);
  const startMs = options.startMs ?? Date.UTC(2026, 0, 5);
  const symbol = options.symbol ?? "TRAPUSDT";
  const builder = new Builder(new SeededRandom(hashSeed(options.seed ?? 1, trap)));
  const { endMs, ...planted } = PATTERNS[trap](builder, startMs);
  const trades = builder.trades.filter((t) => t.tsMs < endMs).sort((a, b) => a.tsMs - b.tsMs);
  const events = builder.events.filter((e) => e.tsMs < endMs).sort((a, b) => a.tsMs - b.tsMs || a.kind - b.kind);
  return {
    symbols: [symbol],
    symbolIndex: new Uint16Array(trades.length),
    tsMs: Float64Array.from(trades, (t) => t.tsMs),
    priceUsd: Float64Array.from(trades, (t) => t.priceUsd),
    qty: Float64Array.from(trades, (t) => t.qty),
    sideSign: Int8Array.from(trades, (t) => t.sideSign),
    marketEvents: {
      kind: Uint8Array.from(events, (e) => e.kind),
      symbolIndex: new Uint16Array(events.length),
      tsMs: Float64Array.from(events, (e) => e.tsMs),
      value: Float64Array.from(events, (e) => e.value),
    },
    planted,
  };
}
