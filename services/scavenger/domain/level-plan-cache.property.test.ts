// Property: the strategy with its level-plan cache and the strategy running the level calculators afresh
// at every recomputation give identical signals, traps and counts on any tape, across a parameter change.
// Tapes are random walks of one to three symbols across a UTC midnight (so the daily level has a previous
// day) with short bars, so every level calculator arms traps; bursts of trades are then planted at
// triggers the strategy had armed, so the traps do fire and the comparison is not vacuous.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replayTape, type TradeTapeColumns } from "./replay-tape.js";
import { loadScavengerParameters, type ScavengerParameters } from "./scavenger-parameters.js";
import type { ScavengerSignal } from "./signal.js";
import { createScavengerStrategy, type ScavengerStrategy } from "./strategy.js";

const START_MS = Date.UTC(2026, 0, 1, 23, 0);

interface Trade {
  readonly symbol: number;
  readonly tsMs: number;
  readonly priceUsd: number;
  readonly qty: number;
  readonly sideSign: number;
}

/** mulberry32: the tape is a function of the seed fast-check draws. */
function random(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const settingsArbitrary = fc.record({
  barInterval: fc.constantFrom("1m" as const, "5m" as const),
  recomputeIntervalMs: fc.constantFrom(5_000, 20_000, 60_000),
  profileBins: fc.integer({ min: 4, max: 24 }),
  minBars: fc.integer({ min: 3, max: 8 }),
  extraLookback: fc.integer({ min: 0, max: 20 }),
  period: fc.integer({ min: 3, max: 8 }),
  widthLookback: fc.integer({ min: 3, max: 12 }),
  lowestWidthFraction: fc.double({ min: 0.1, max: 0.6, noNaN: true }),
  cooldownSeconds: fc.integer({ min: 0, max: 120 }),
  topSymbols: fc.integer({ min: 1, max: 3 }),
});
type Settings = typeof settingsArbitrary extends fc.Arbitrary<infer S> ? S : never;

const parametersOf = (s: Settings, topPeaks = 3): ScavengerParameters =>
  loadScavengerParameters({
    cooldownSeconds: s.cooldownSeconds,
    universe: { barInterval: s.barInterval, recomputeIntervalMs: s.recomputeIntervalMs, topSymbols: s.topSymbols },
    volumeCluster: { profileBins: s.profileBins, minBars: s.minBars, lookbackBars: s.minBars + s.extraLookback, topPeaks },
    dailyLevel: { maxDistancePercent: 10 },
    bollingerSqueeze: { period: s.period, widthLookback: s.widthLookback, lowestWidthFraction: s.lowestWidthFraction },
  });

const tapeArbitrary = fc.record({
  seed: fc.integer(),
  symbols: fc.integer({ min: 1, max: 3 }),
  hours: fc.integer({ min: 1, max: 3 }),
  meanGapMs: fc.integer({ min: 400, max: 3_000 }),
  volatilityBp: fc.integer({ min: 1, max: 25 }),
  burstEvery: fc.integer({ min: 1, max: 4 }),
});
type TapeShape = typeof tapeArbitrary extends fc.Arbitrary<infer S> ? S : never;

function randomWalk(shape: TapeShape, next: () => number): Trade[] {
  const trades: Trade[] = [];
  const endMs = START_MS + shape.hours * 3_600_000;
  for (let symbol = 0; symbol < shape.symbols; symbol++) {
    let priceUsd = 10 ** (1 + symbol);
    for (let t = START_MS + Math.floor(next() * shape.meanGapMs); t < endMs; t += 1 + Math.floor(-Math.log(1 - next()) * shape.meanGapMs)) {
      priceUsd *= Math.exp(((next() - 0.5) * shape.volatilityBp) / 5_000);
      trades.push({ symbol, tsMs: t, priceUsd, qty: 0.01 + next() * 3, sideSign: next() < 0.5 ? -1 : 1 });
    }
  }
  return trades;
}

/** The traps armed after each recomputation of a replay: where bursts will be planted. */
function armedTriggers(params: ScavengerParameters, tape: TradeTapeColumns): { tsMs: number; symbol: number; triggerPriceUsd: number }[] {
  const inner = createScavengerStrategy(params);
  const seen: { tsMs: number; symbol: number; triggerPriceUsd: number }[] = [];
  const watching = {
    get parameters() {
      return inner.parameters;
    },
    get lastTradeAccepted() {
      return inner.lastTradeAccepted;
    },
    symbolIndex: (name: string) => inner.symbolIndex(name),
    onKline: (kline: Parameters<ScavengerStrategy["onKline"]>[0]) => inner.onKline(kline),
    onTradeAt: (...args: Parameters<ScavengerStrategy["onTradeAt"]>) => inner.onTradeAt(...args),
    recompute: (tsMs: number) => {
      const result = inner.recompute(tsMs);
      for (const trap of inner.activeTraps()) seen.push({ tsMs, symbol: tape.symbols.indexOf(trap.symbol), triggerPriceUsd: trap.triggerPriceUsd });
      return result;
    },
  } as unknown as ScavengerStrategy;
  replayTape(watching, tape);
  return seen;
}

function columns(symbols: number, trades: readonly Trade[]): TradeTapeColumns {
  const sorted = [...trades].sort((a, b) => a.tsMs - b.tsMs);
  return {
    symbols: Array.from({ length: symbols }, (_, i) => `SYM${i}USDT`),
    symbolIndex: Int32Array.from(sorted, (t) => t.symbol),
    tsMs: Float64Array.from(sorted, (t) => t.tsMs),
    priceUsd: Float64Array.from(sorted, (t) => t.priceUsd),
    qty: Float64Array.from(sorted, (t) => t.qty),
    sideSign: Int8Array.from(sorted, (t) => t.sideSign),
  };
}

/** The random walk with bursts of trades planted at armed triggers, a few seconds after they were armed. */
function plantedTape(shape: TapeShape, params: ScavengerParameters): TradeTapeColumns {
  const next = random(shape.seed);
  const walk = randomWalk(shape, next);
  const triggers = armedTriggers(params, columns(shape.symbols, walk));
  const bursts: Trade[] = [];
  for (let i = 0; i < triggers.length; i += shape.burstEvery * 7) {
    const { tsMs, symbol, triggerPriceUsd } = triggers[i] as (typeof triggers)[number];
    const startMs = tsMs + 1_000 + Math.floor(next() * 10_000);
    for (let k = 0; k < params.volumeConfirmation.minTrades + 5; k++)
      bursts.push({ symbol, tsMs: startMs + k, priceUsd: triggerPriceUsd * (1 + (next() - 0.5) * 0.001), qty: 0.01 + next(), sideSign: next() < 0.5 ? -1 : 1 });
  }
  return columns(shape.symbols, [...walk, ...bursts]);
}

/** Rows [from, to) of a tape, as their own tape. */
const rows = (tape: TradeTapeColumns, from: number, to: number): TradeTapeColumns => ({
  symbols: tape.symbols,
  symbolIndex: (tape.symbolIndex as Int32Array).subarray(from, to),
  tsMs: (tape.tsMs as Float64Array).subarray(from, to),
  priceUsd: (tape.priceUsd as Float64Array).subarray(from, to),
  qty: (tape.qty as Float64Array).subarray(from, to),
  sideSign: (tape.sideSign as Int8Array).subarray(from, to),
});

/** Half the tape, a parameter change (fewer profile peaks), the other half. */
function run(levelPlanCache: boolean, params: ScavengerParameters, changed: ScavengerParameters, tape: TradeTapeColumns) {
  const strategy = createScavengerStrategy(params, { configVersion: 1, levelPlanCache });
  const half = Math.floor(tape.tsMs.length / 2);
  const signals: ScavengerSignal[] = [...replayTape(strategy, rows(tape, 0, half)).signals];
  strategy.setParameters(changed, 2);
  signals.push(...replayTape(strategy, rows(tape, half, tape.tsMs.length)).signals);
  return { signals, traps: strategy.activeTraps(), stats: strategy.stats() };
}

describe("level-plan cache, property", () => {
  it("the cached and the uncached strategy give identical signals on random tapes", () => {
    let signals = 0;
    let tapesWithSignals = 0;
    const trapTypes = new Set<string>();
    fc.assert(
      fc.property(settingsArbitrary, tapeArbitrary, (settings, shape) => {
        const params = parametersOf(settings);
        const changed = parametersOf(settings, 1);
        const tape = plantedTape(shape, params);
        const cached = run(true, params, changed, tape);
        const uncached = run(false, params, changed, tape);
        expect(cached.signals).toEqual(uncached.signals);
        expect(cached.traps).toEqual(uncached.traps);
        expect(cached.stats).toEqual(uncached.stats);
        signals += cached.signals.length;
        if (cached.signals.length > 0) tapesWithSignals++;
        for (const s of cached.signals) trapTypes.add(s.trapType);
      }),
      { numRuns: 40 },
    );
    // Not vacuous: the traps the cache serves did fire, every level calculator's among them.
    expect(tapesWithSignals).toBeGreaterThan(20);
    expect(signals).toBeGreaterThan(100);
    expect([...trapTypes].sort()).toEqual(["bollinger-squeeze", "daily-level", "volume-cluster"]);
  });
});
