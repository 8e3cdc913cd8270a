import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LONG_TRIGGER_USD,
  MINUTE_MS,
  READY_TS_MS,
  SHORT_TRIGGER_USD,
  feedScenarioMarket,
  scenarioParameters,
} from "../../../tests/fixtures/scavenger/strategy-scenario.js";
import { replayTape } from "./replay-tape.js";
import type { ScavengerSignal } from "./signal.js";
import { createScavengerStrategy, type ScavengerStrategy } from "./strategy.js";

interface TapeTrade {
  readonly tsMs: number;
  readonly priceUsd: number;
  readonly qty: number;
  readonly sideSign: 1 | -1;
}

const anchors = { long: LONG_TRIGGER_USD, short: SHORT_TRIGGER_USD, mid: 104, far: 120 } as const;

/** Bursts of trades around the scenario's triggers (±15 bp: the band is ±10 bp), pauses, and bad rows. */
const stepArbitrary = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("trades" as const),
      count: fc.integer({ min: 1, max: 70 }),
      gapMs: fc.integer({ min: 0, max: 4 }),
      near: fc.constantFrom("long" as const, "short" as const, "mid" as const, "far" as const),
      jitterBp: fc.integer({ min: -15, max: 15 }),
      sell: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pause" as const), ms: fc.integer({ min: 1, max: 400_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bad" as const), what: fc.constantFrom("nan" as const, "negative" as const, "old" as const) }) },
);

type Step = typeof stepArbitrary extends fc.Arbitrary<infer S> ? S : never;

function expand(steps: readonly Step[]): TapeTrade[] {
  const trades: TapeTrade[] = [];
  let t = READY_TS_MS + 1_000;
  for (const step of steps) {
    if (step.kind === "pause") t += step.ms;
    else if (step.kind === "bad") {
      if (step.what === "nan") trades.push({ tsMs: t, priceUsd: Number.NaN, qty: 1, sideSign: 1 });
      if (step.what === "negative") trades.push({ tsMs: t, priceUsd: LONG_TRIGGER_USD, qty: -1, sideSign: 1 });
      if (step.what === "old") trades.push({ tsMs: t - 10_000, priceUsd: LONG_TRIGGER_USD, qty: 1, sideSign: -1 });
    } else {
      for (let i = 0; i < step.count; i++) {
        const priceUsd = anchors[step.near] * (1 + ((step.jitterBp + (i % 5) - 2) / 10_000));
        trades.push({ tsMs: t, priceUsd, qty: 0.01 + (i % 7) / 10, sideSign: (i % 2 === 0) !== step.sell ? 1 : -1 });
        t += step.gapMs;
      }
    }
  }
  return trades;
}

function readyStrategy(): ScavengerStrategy {
  const strategy = createScavengerStrategy(scenarioParameters(), { configVersion: 1 });
  feedScenarioMarket(strategy);
  strategy.recompute(READY_TS_MS);
  return strategy;
}

/** The live path: one `onTrade` per trade, recomputing at each minute boundary a trade crosses (as replayTape does). */
function feedOneByOne(strategy: ScavengerStrategy, trades: readonly TapeTrade[]): ScavengerSignal[] {
  const signals: ScavengerSignal[] = [];
  let next = trades.length > 0 ? Math.floor(trades[0]!.tsMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS : Number.POSITIVE_INFINITY;
  for (const trade of trades) {
    if (trade.tsMs >= next) {
      const boundary = Math.floor(trade.tsMs / MINUTE_MS) * MINUTE_MS;
      strategy.recompute(boundary);
      next = boundary + MINUTE_MS;
    }
    signals.push(...strategy.onTrade("BTCUSDT", trade.priceUsd, trade.qty, trade.sideSign === 1 ? "buy" : "sell", trade.tsMs));
  }
  return signals;
}

describe("determinism", () => {
  it("the same event sequence always gives the same signals, through either entry point", () => {
    let signalsSeen = 0;
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), (steps) => {
        const trades = expand(steps);
        const first = feedOneByOne(readyStrategy(), trades);
        const second = feedOneByOne(readyStrategy(), trades);
        expect(second).toEqual(first);
        const columnar = replayTape(
          readyStrategy(),
          {
            symbols: ["BTCUSDT"],
            symbolIndex: new Int32Array(trades.length),
            tsMs: Float64Array.from(trades, (t) => t.tsMs),
            priceUsd: Float64Array.from(trades, (t) => t.priceUsd),
            qty: Float64Array.from(trades, (t) => t.qty),
            sideSign: Int8Array.from(trades, (t) => t.sideSign),
          },
          { buildBars: false },
        );
        expect(columnar.signals).toEqual(first);
        signalsSeen += first.length;
      }),
      { numRuns: 150 },
    );
    // The generated tapes do reach the traps: the property is not vacuous.
    expect(signalsSeen).toBeGreaterThan(10);
  });

  it("on any tape, signals are well-formed and a trap type fires at most once per cooldown on a symbol", () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), (steps) => {
        const signals = feedOneByOne(readyStrategy(), expand(steps));
        const lastFired = new Map<string, number>();
        for (const signal of signals) {
          const direction = signal.side === "long" ? 1 : -1;
          expect(direction * (signal.takeProfits[0]!.priceUsd - signal.triggerPriceUsd)).toBeGreaterThan(0);
          expect(direction * (signal.triggerPriceUsd - signal.stopLossPriceUsd)).toBeGreaterThan(0);
          expect(signal.entryZone.lowPriceUsd).toBeLessThan(signal.triggerPriceUsd);
          expect(signal.entryZone.highPriceUsd).toBeGreaterThan(signal.triggerPriceUsd);
          expect(signal.size.marginFraction).toBeGreaterThan(0);
          const key = `${signal.symbol}/${signal.trapType}`;
          const previous = lastFired.get(key);
          if (previous !== undefined) expect(signal.tsMs - previous).toBeGreaterThanOrEqual(300_000);
          lastFired.set(key, signal.tsMs);
        }
        expect(new Set(signals.map((s) => s.signalId)).size).toBe(signals.length);
      }),
      { numRuns: 100 },
    );
  });
});
