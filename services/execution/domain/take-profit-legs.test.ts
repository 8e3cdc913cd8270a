import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deriveClientOrderId } from "../../shared/client-order-id.js";
import { isOnStep, roundToStep } from "./matching/index.js";
import { attachesToEntry, planTakeProfitLegs, takeProfitLegClientOrderId, takeProfitLegOrder, type TakeProfitTarget } from "./take-profit-legs.js";

const BTC = { lotStepQty: 0.001, minQty: 0.001, minNotionalUsd: 5, tickSizeUsd: 0.1 };
const SIGNAL = "2b0f6a43-94c3-4f55-8d57-0f5f3b1c2a10";

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Instruments with a lot step of 10^-k and a minimum of a few steps. */
const instrumentArb = fc.record({
  stepExp: fc.integer({ min: 0, max: 4 }),
  minSteps: fc.integer({ min: 1, max: 20 }),
  minNotionalUsd: fc.constantFrom(0, 1, 5, 10),
  tickSizeUsd: fc.constantFrom(0.01, 0.1, 0.5),
});

/** 1–5 legs whose fractions sum to at most 1, as the brain admits them. */
const targetsArb = fc
  .array(fc.record({ priceUsd: fc.double({ min: 1, max: 100_000, noNaN: true }), weight: fc.integer({ min: 1, max: 100 }) }), { minLength: 1, maxLength: 5 })
  .chain((legs) =>
    fc.double({ min: 0.05, max: 1, noNaN: true }).map((share) => {
      const total = sum(legs.map((l) => l.weight));
      return legs.map((l) => ({ priceUsd: l.priceUsd, fraction: Math.max(1e-6, Math.min(1, (l.weight / total) * share)) }));
    }),
  );

const caseArb = fc.record({ spec: instrumentArb, targets: targetsArb, filledSteps: fc.integer({ min: 0, max: 200_000 }) }).map(({ spec, targets, filledSteps }) => {
  const lotStepQty = 10 ** -spec.stepExp;
  const instrument = { lotStepQty, minQty: roundToStep(spec.minSteps * lotStepQty, lotStepQty), minNotionalUsd: spec.minNotionalUsd, tickSizeUsd: spec.tickSizeUsd };
  return { instrument, targets, filledQty: roundToStep(filledSteps * lotStepQty, lotStepQty) };
});

const shareOf = (targets: readonly TakeProfitTarget[]) => Math.min(1, sum(targets.map((t) => t.fraction)));

describe("take-profit legs", () => {
  it("split the filled size by fraction, rounded to the lot step, the remainder on the last leg", () => {
    const legs = planTakeProfitLegs({ signalId: SIGNAL, filledQty: 0.01, instrument: BTC, targets: [{ priceUsd: 61_000, fraction: 1 / 3 }, { priceUsd: 62_000, fraction: 1 / 3 }, { priceUsd: 63_000, fraction: 1 / 3 }] });
    expect(legs.map((l) => l.qty)).toEqual([0.003, 0.003, 0.004]);
    expect(legs.map((l) => l.priceUsd)).toEqual([61_000, 62_000, 63_000]);
  });

  it("merge a leg below the minimum size into the next one, keeping the next one's price", () => {
    const legs = planTakeProfitLegs({ signalId: SIGNAL, filledQty: 0.005, instrument: { ...BTC, minQty: 0.002, minNotionalUsd: 0 }, targets: [{ priceUsd: 61_000, fraction: 0.2 }, { priceUsd: 62_000, fraction: 0.8 }] });
    expect(legs).toEqual([{ legIndex: 1, clientOrderId: takeProfitLegClientOrderId(SIGNAL, 1), priceUsd: 62_000, qty: 0.005 }]);
  });

  it("merge a last leg too small into the one before it", () => {
    const legs = planTakeProfitLegs({ signalId: SIGNAL, filledQty: 0.01, instrument: { ...BTC, minQty: 0.002 }, targets: [{ priceUsd: 61_000, fraction: 0.9 }, { priceUsd: 62_000, fraction: 0.1 }] });
    expect(legs.map((l) => [l.legIndex, l.qty])).toEqual([[0, 0.01]]);
  });

  it("leave the rest of the position to the stop when the legs cover less than all of it", () => {
    const legs = planTakeProfitLegs({ signalId: SIGNAL, filledQty: 0.01, instrument: BTC, targets: [{ priceUsd: 61_000, fraction: 0.5 }] });
    expect(legs.map((l) => l.qty)).toEqual([0.005]);
  });

  it("give no leg when even the whole share is below the minimum order value", () => {
    expect(planTakeProfitLegs({ signalId: SIGNAL, filledQty: 0.001, instrument: { ...BTC, minNotionalUsd: 100 }, targets: [{ priceUsd: 61_000, fraction: 0.5 }, { priceUsd: 62_000, fraction: 0.5 }] })).toEqual([]);
  });

  it("attach only one whole-position leg to the entry", () => {
    expect(attachesToEntry([{ priceUsd: 1, fraction: 1 }])).toBe(true);
    expect(attachesToEntry([{ priceUsd: 1, fraction: 0.5 }])).toBe(false);
    expect(attachesToEntry([{ priceUsd: 1, fraction: 0.5 }, { priceUsd: 2, fraction: 0.5 }])).toBe(false);
  });

  it("derive each leg's client id from the signal id and the leg's index, never from its size", () => {
    expect(takeProfitLegClientOrderId(SIGNAL, 0)).toBe(deriveClientOrderId(SIGNAL, "tp1"));
    expect(takeProfitLegClientOrderId(SIGNAL, 4)).toBe(deriveClientOrderId(SIGNAL, "tp5"));
    const order = takeProfitLegOrder("BTCUSDT", "buy", { legIndex: 0, clientOrderId: "tt-X", priceUsd: 61_000, qty: 0.004 });
    expect(order).toMatchObject({ side: "sell", orderType: "limit", reduceOnly: true, limitPriceUsd: 61_000, stopLossPriceUsd: null, takeProfitPriceUsd: null });
  });

  describe("for any fill, instrument and legs", () => {
    it("every leg is placeable and on the lot step", () => {
      fc.assert(
        fc.property(caseArb, ({ instrument, targets, filledQty }) => {
          for (const leg of planTakeProfitLegs({ signalId: SIGNAL, targets, filledQty, instrument })) {
            expect(isOnStep(leg.qty, instrument.lotStepQty)).toBe(true);
            expect(leg.qty).toBeGreaterThanOrEqual(instrument.minQty);
            expect(leg.qty * leg.priceUsd).toBeGreaterThanOrEqual(instrument.minNotionalUsd);
            expect(isOnStep(leg.priceUsd, instrument.tickSizeUsd)).toBe(true);
          }
        }),
      );
    });

    it("the legs close exactly the legs' share of the fill (all of it when the fractions sum to 1), or nothing", () => {
      fc.assert(
        fc.property(caseArb, ({ instrument, targets, filledQty }) => {
          const legs = planTakeProfitLegs({ signalId: SIGNAL, targets, filledQty, instrument });
          const share = shareOf(targets);
          const expected = share >= 1 - 1e-9 ? filledQty : roundToStep(filledQty * share, instrument.lotStepQty, "down");
          const total = roundToStep(sum(legs.map((l) => l.qty)), instrument.lotStepQty);
          if (legs.length > 0) expect(total).toBeCloseTo(expected, 9);
          else {
            // Nothing placeable: the whole share, carried to the last leg, is still below the minimum there.
            const lastPriceUsd = roundToStep(targets[targets.length - 1]!.priceUsd, instrument.tickSizeUsd);
            expect(expected < instrument.minQty || expected * lastPriceUsd < instrument.minNotionalUsd).toBe(true);
          }
          expect(total).toBeLessThanOrEqual(filledQty + 1e-12);
        }),
      );
    });

    it("legs keep the command's order, distinct ids derived from their index, at most one per target", () => {
      fc.assert(
        fc.property(caseArb, ({ instrument, targets, filledQty }) => {
          const legs = planTakeProfitLegs({ signalId: SIGNAL, targets, filledQty, instrument });
          expect(legs.length).toBeLessThanOrEqual(targets.length);
          const indexes = legs.map((l) => l.legIndex);
          expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
          expect(new Set(legs.map((l) => l.clientOrderId)).size).toBe(legs.length);
          for (const leg of legs) {
            expect(leg.clientOrderId).toBe(takeProfitLegClientOrderId(SIGNAL, leg.legIndex));
            expect(leg.priceUsd).toBe(roundToStep(targets[leg.legIndex]!.priceUsd, instrument.tickSizeUsd));
          }
        }),
      );
    });

    it("a fill that does not change gives the same legs: a restart plans what the first run planned", () => {
      fc.assert(
        fc.property(caseArb, ({ instrument, targets, filledQty }) => {
          expect(planTakeProfitLegs({ signalId: SIGNAL, targets, filledQty, instrument })).toEqual(planTakeProfitLegs({ signalId: SIGNAL, targets: targets.map((t) => ({ ...t })), filledQty, instrument: { ...instrument } }));
        }),
      );
    });
  });
});
