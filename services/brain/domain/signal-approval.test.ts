import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DecisionSchema, OrderCommandSchema, checkSchema, type Signal } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { allocate, type Phase } from "./allocation.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import { INITIAL_BREAKER_STATE, breakerStep, type BreakerState } from "./circuit-breaker.js";
import { clientOrderIdFor } from "./deterministic-ids.js";
import type { OpenPosition, PricePoint, PriceHistory } from "./risk.js";
import { approveSignal, type SignalApprovalInput, type SignalVerdict } from "./signal-approval.js";

const BTC = "BTC/USDT:USDT";
const ETH = "ETH/USDT:USDT";
const SOL = "SOL/USDT:USDT";
const NOW = Date.UTC(2026, 2, 10, 12);
const MINUTE = 60_000;

function makeSignal(overrides: Partial<Signal> & { side?: "long" | "short" } = {}): Signal {
  const side = overrides.side ?? "long";
  const shape =
    side === "long"
      ? { entryZone: { lowPriceUsd: 100, highPriceUsd: 101 }, stopLossPriceUsd: 98, takeProfits: [{ priceUsd: 104, fraction: 0.5 }, { priceUsd: 106, fraction: 0.5 }] }
      : { entryZone: { lowPriceUsd: 100, highPriceUsd: 101 }, stopLossPriceUsd: 103, takeProfits: [{ priceUsd: 96, fraction: 1 }] };
  return { ...SAMPLE_PAYLOADS.signal, symbol: ETH, requestedNotionalUsd: 500, leverage: 10, tsMs: NOW - 100, ...shape, ...overrides, side };
}

const pricesFrom = (returns: readonly number[]): PricePoint[] =>
  returns.reduce<PricePoint[]>((points, r, i) => [...points, { tsMs: NOW - 40 * MINUTE + (i + 1) * MINUTE, priceUsd: (points[i] as PricePoint).priceUsd * (1 + r) }], [
    { tsMs: NOW - 40 * MINUTE, priceUsd: 100 },
  ]);
const btcReturns = Array.from({ length: 30 }, (_, i) => 0.01 * Math.sin(i * 0.7) + 0.002 * Math.cos(i * 2.3));
const PRICES: PriceHistory = new Map([
  [BTC, pricesFrom(btcReturns)],
  [ETH, pricesFrom(btcReturns.map((r) => 1.5 * r + 0.0001))],
  [SOL, pricesFrom(btcReturns.map((r, i) => (i % 2 === 0 ? r : -r)))],
]);

function input(overrides: Partial<SignalApprovalInput> = {}, equityUsd = 1_000, positions: readonly OpenPosition[] = []): SignalApprovalInput {
  return {
    signal: makeSignal(),
    nowMs: NOW,
    params: P,
    portfolio: { equityUsd, positions },
    breaker: INITIAL_BREAKER_STATE,
    tradingState: "ACTIVE",
    allocation: allocate(equityUsd, [1], P),
    performanceModifiers: { 1: 1, 2: 1, 3: 1 },
    knownSymbols: new Set([BTC, ETH, SOL]),
    prices: PRICES,
    decidedSignalIds: new Set(),
    ...overrides,
  };
}

function approved(verdict: SignalVerdict) {
  if (verdict.kind !== "decided" || verdict.decision.outcome !== "approved" || verdict.orderCommand === null) throw new Error(`not approved: ${JSON.stringify(verdict)}`);
  return { decision: verdict.decision, order: verdict.orderCommand };
}
const vetoReason = (verdict: SignalVerdict) => (verdict.kind === "rejected" ? "rejected" : verdict.decision.outcome === "vetoed" ? verdict.decision.reason : "approved");

describe("approval", () => {
  test("a fresh signal within every limit is approved at its requested size, with its stop and targets", () => {
    const signal = makeSignal();
    const { decision, order } = approved(approveSignal(input({ signal })));
    // E = 1,000 (MICRO: w1 = 1, 20x), modifier 1 → phase max 1,000 × 1 × 1 × 20 = 20,000 ≥ 500.
    expect(decision).toMatchObject({ authorisedNotionalUsd: 500, leverage: 10, risk: { phaseMaxNotionalUsd: 20_000, tierLeverageCap: 20, projectedLeverage: 0.5, maxCorrelation: null } });
    expect(order).toMatchObject({
      side: "buy",
      notionalUsd: 500,
      reduceOnly: false,
      stopLossPriceUsd: 98,
      takeProfits: signal.takeProfits,
      entryZone: signal.entryZone,
      clientOrderId: clientOrderIdFor(signal.signalId),
      decisionId: decision.decisionId,
      expiresAtMs: NOW + 2_000,
    });
    expect(checkSchema(DecisionSchema, decision).ok).toBe(true);
    expect(checkSchema(OrderCommandSchema, order).ok).toBe(true);
  });

  test("the phase max is E × weight × modifier × tier cap", () => {
    // E = 10,000 (MEDIUM, 5x), w1 = 0.2, modifier 0.5 → 10,000 × 0.2 × 0.5 × 5 = 5,000.
    const verdict = approveSignal(input({ signal: makeSignal({ requestedNotionalUsd: 9_000 }), performanceModifiers: { 1: 0.5, 2: 1, 3: 1 }, allocation: allocate(10_000, [1], P) }, 10_000));
    expect(approved(verdict).decision.authorisedNotionalUsd).toBeCloseTo(5_000, 9);
    // What the phase already holds counts against it.
    const held = approveSignal(input({ signal: makeSignal({ requestedNotionalUsd: 9_000 }), allocation: allocate(10_000, [1], P), portfolio: { equityUsd: 10_000, positions: [], phaseExposureUsd: { 1: 9_000 } } }, 10_000));
    expect(approved(held).decision.authorisedNotionalUsd).toBeCloseTo(1_000, 9);
  });

  test("the signal's leverage is capped at its tier's", () => {
    const verdict = approveSignal(input({ signal: makeSignal({ leverage: 50 }), allocation: allocate(10_000, [1], P) }, 10_000));
    expect(approved(verdict).order.leverage).toBe(5);
  });

  test("size is cut to the leverage headroom; an opposite-side signal nets against the open position", () => {
    const book: OpenPosition[] = [{ symbol: BTC, side: "long", notionalUsd: 19_800 }];
    // 20x × 1,000 − 19,800 = 200 of headroom for a new SOL long.
    expect(approved(approveSignal(input({ signal: makeSignal({ symbol: SOL, requestedNotionalUsd: 500 }) }, 1_000, book))).decision.authorisedNotionalUsd).toBeCloseTo(200, 9);
    // A BTC short first closes the 19,800 long: (19,800 − 500) / 1,000 = 19.3x, within the cap.
    const netted = approved(approveSignal(input({ signal: makeSignal({ symbol: BTC, side: "short" }) }, 1_000, book))).decision;
    expect(netted.authorisedNotionalUsd).toBe(500);
    expect(netted.risk.projectedLeverage).toBeCloseTo(19.3, 9);
    const full: OpenPosition[] = [{ symbol: BTC, side: "long", notionalUsd: 20_000 }];
    expect(vetoReason(approveSignal(input({ signal: makeSignal({ symbol: SOL }) }, 1_000, full)))).toBe("leverage-cap");
  });

  test("above the cap already, a trade that leaves leverage above it is vetoed even though it reduces it", () => {
    // Equity fell: 21,000 long BTC + 1,000 short SOL on 1,000 USD = 22x against a 20x cap. A 500 BTC short leaves 21.5x.
    const book: OpenPosition[] = [
      { symbol: BTC, side: "long", notionalUsd: 21_000 },
      { symbol: SOL, side: "short", notionalUsd: 1_000 },
    ];
    const verdict = approveSignal(input({ signal: makeSignal({ symbol: BTC, side: "short", requestedNotionalUsd: 500 }) }, 1_000, book));
    expect(vetoReason(verdict)).toBe("leverage-cap");
    expect(verdict.kind === "decided" && verdict.decision.risk?.projectedLeverage).toBeCloseTo(21.5, 9);
    // 2,500 brings it to 19.5x: approved.
    expect(vetoReason(approveSignal(input({ signal: makeSignal({ symbol: BTC, side: "short", requestedNotionalUsd: 2_500 }) }, 1_000, book)))).toBe("approved");
  });

  test("a same-side position correlated above 0.8 halves the size", () => {
    const book: OpenPosition[] = [{ symbol: BTC, side: "long", notionalUsd: 1_000 }];
    const decision = approved(approveSignal(input({ signal: makeSignal({ symbol: ETH }) }, 1_000, book))).decision;
    expect(decision.authorisedNotionalUsd).toBe(250);
    expect(decision.risk).toMatchObject({ sizeHalvedForCorrelation: true });
    expect(decision.risk.maxCorrelation).toBeGreaterThan(0.8);
    // A hedge (opposite side) is not halved.
    expect(approved(approveSignal(input({ signal: makeSignal({ symbol: ETH, side: "short" }) }, 1_000, book))).decision.authorisedNotionalUsd).toBe(500);
  });
});

describe("vetoes and rejections, in pipeline order", () => {
  const softTripped: BreakerState = [0, 1, 2].reduce((s, m) => breakerStep(s, { kind: "trade-closed", pnlUsd: -1, tsMs: NOW - 10 * MINUTE + m }, P).state, INITIAL_BREAKER_STATE);
  const hardTripped: BreakerState = breakerStep(INITIAL_BREAKER_STATE, { kind: "equity", equityUsd: 100, startOfDayEquityUsd: 1_000, tsMs: NOW - MINUTE }, P).state;

  test.each([
    ["an active SOFT breaker", { breaker: softTripped }, "breaker-active"],
    ["an active HARD breaker", { breaker: hardTripped }, "breaker-active"],
    ["a REDUCING trading state", { tradingState: "REDUCING" as const }, "trading-state"],
    ["a signal 2,001 ms old", { signal: makeSignal({ tsMs: NOW - 2_001 }) }, "stale"],
    ["a signal from the future", { signal: makeSignal({ tsMs: NOW + 5_000 }) }, "stale"],
    ["an unregistered phase", { signal: makeSignal({ phase: 2 }) }, "phase-not-registered"],
    ["a phase with zero weight", { allocation: allocate(1_000, [1, 2], P), signal: makeSignal({ phase: 2 }) }, "zero-allocation"],
    ["a repeated signal id", { decidedSignalIds: new Set([SAMPLE_PAYLOADS.signal.signalId]) }, "rejected"],
    ["an unknown symbol", { signal: makeSignal({ symbol: "DOGE/USDT:USDT" }) }, "rejected"],
    ["a long whose stop is above its entry", { signal: makeSignal({ stopLossPriceUsd: 102 }) }, "rejected"],
  ])("%s → %s", (_, overrides, reason) => {
    expect(vetoReason(approveSignal(input(overrides)))).toBe(reason);
  });

  test("a signal exactly 2,000 ms old is still fresh", () => {
    expect(approved(approveSignal(input({ signal: makeSignal({ tsMs: NOW - 2_000 }) }))).decision.outcome).toBe("approved");
  });

  test("a SOFT breaker whose 30 minutes ran out no longer vetoes", () => {
    expect(vetoReason(approveSignal(input({ breaker: softTripped, nowMs: NOW + 21 * MINUTE, signal: makeSignal({ tsMs: NOW + 21 * MINUTE }) })))).toBe("approved");
  });

  test("rejections say why and decide nothing", () => {
    const verdict = approveSignal(input({ signal: makeSignal({ side: "short", stopLossPriceUsd: 99, takeProfits: [{ priceUsd: 120, fraction: 1 }] }) }));
    expect(verdict).toEqual({ kind: "rejected", reason: "invalid-signal", detail: expect.stringMatching(/stopLossPriceUsd.*above.*takeProfits\[0\]\.priceUsd.*below/) });
  });
});

describe("properties", () => {
  const symbolArb = fc.constantFrom(BTC, ETH, SOL);
  const sideArb = fc.constantFrom("long" as const, "short" as const);
  const arbitraryInput = fc
    .record({
      equityUsd: fc.double({ min: -100, max: 200_000, noNaN: true }),
      positions: fc.uniqueArray(fc.record({ symbol: symbolArb, side: sideArb, notionalUsd: fc.double({ min: 0, max: 100_000, noNaN: true }) }), { maxLength: 3, selector: (p) => p.symbol }),
      symbol: symbolArb,
      side: sideArb,
      requestedNotionalUsd: fc.double({ min: 0.01, max: 500_000, noNaN: true }),
      leverage: fc.integer({ min: 1, max: 125 }),
      phase: fc.constantFrom<Phase>(1, 2, 3),
      registered: fc.subarray<Phase>([1, 2, 3]),
      modifier: fc.constantFrom(0.5, 1, 1.2),
      ageMs: fc.integer({ min: -3_000, max: 3_000 }),
      tradingState: fc.constantFrom("ACTIVE" as const, "ACTIVE" as const, "REDUCING" as const, "HALTED" as const),
      phaseOpenUsd: fc.double({ min: 0, max: 50_000, noNaN: true }),
    })
    .map((a) =>
      input(
        {
          signal: makeSignal({ symbol: a.symbol, side: a.side, requestedNotionalUsd: a.requestedNotionalUsd, leverage: a.leverage, phase: a.phase, tsMs: NOW - a.ageMs }),
          allocation: allocate(a.equityUsd, a.registered, P),
          performanceModifiers: { 1: a.modifier, 2: a.modifier, 3: a.modifier },
          tradingState: a.tradingState,
          portfolio: { equityUsd: a.equityUsd, positions: a.positions, phaseExposureUsd: { [a.phase]: a.phaseOpenUsd } },
        },
        a.equityUsd,
        a.positions,
      ),
    );

  test("never approves above any cap", () => {
    fc.assert(
      fc.property(arbitraryInput, (i) => {
        const verdict = approveSignal(i);
        if (verdict.kind !== "decided" || verdict.decision.outcome !== "approved") return;
        const { decision } = verdict;
        const cap = decision.risk.tierLeverageCap;
        expect(decision.authorisedNotionalUsd).toBeLessThanOrEqual(i.signal.requestedNotionalUsd);
        expect(decision.authorisedNotionalUsd).toBeLessThanOrEqual(decision.risk.phaseMaxNotionalUsd * (1 + 1e-12));
        expect(decision.risk.projectedLeverage).toBeLessThanOrEqual(cap * (1 + 1e-9));
        expect(decision.leverage).toBeLessThanOrEqual(cap);
        expect(i.tradingState).toBe("ACTIVE");
        expect(checkSchema(DecisionSchema, decision).ok).toBe(true);
        expect(checkSchema(OrderCommandSchema, verdict.orderCommand).ok).toBe(true);
      }),
    );
  });

  test("same input, same output", () => {
    fc.assert(
      fc.property(arbitraryInput, (i) => {
        expect(approveSignal(i)).toEqual(approveSignal({ ...i }));
      }),
    );
  });

  test("a vetoed signal produces no order, and every decision is a valid message", () => {
    fc.assert(
      fc.property(arbitraryInput, (i) => {
        const verdict = approveSignal(i);
        if (verdict.kind !== "decided") return;
        expect(checkSchema(DecisionSchema, verdict.decision).ok).toBe(true);
        if (verdict.decision.outcome === "vetoed") expect(verdict.orderCommand).toBeNull();
        else expect(verdict.orderCommand?.notionalUsd).toBe(verdict.decision.authorisedNotionalUsd);
      }),
    );
  });
});
