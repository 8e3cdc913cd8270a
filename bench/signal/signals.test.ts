import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signalProblems } from "../../services/brain/domain/signal-approval.js";
import { validateEnvelope, makeEnvelope } from "../../services/shared/contracts/index.js";
import { systemClock } from "../../services/shared/clock.js";
import { benchSignal, signalPlan } from "./signals.js";

describe("the bench's signals", () => {
  it("are valid signal messages the brain's shape rules accept, on either side, at any price", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), fc.constantFrom("long" as const, "short" as const), (priceUsd, side) => {
        const signal = benchSignal({ symbol: "BTCUSDT", side, priceUsd, notionalUsd: 150, leverage: 5, tsMs: 1_700_000_000_000 });
        expect(signalProblems(signal)).toEqual([]);
        const checked = validateEnvelope(makeEnvelope("signal", signal, { source: "scavenger", clock: systemClock, id: signal.signalId }));
        expect(checked.ok, checked.ok ? "" : checked.reason).toBe(true);
      }),
    );
  });

  it("refuse to invent a price the market has not shown", () => {
    expect(() => benchSignal({ symbol: "ETHUSDT", side: "long", priceUsd: Number.NaN, notionalUsd: 150, leverage: 5, tsMs: 0 })).toThrow(/no market price for ETHUSDT/);
  });

  it("go round the symbols and alternate sides per symbol, so positions net out", () => {
    const plan = Array.from({ length: 6 }, (_, i) => signalPlan(i, ["A", "B", "C"]));
    expect(plan).toEqual([
      { symbol: "A", side: "long" },
      { symbol: "B", side: "long" },
      { symbol: "C", side: "long" },
      { symbol: "A", side: "short" },
      { symbol: "B", side: "short" },
      { symbol: "C", side: "short" },
    ]);
    expect(() => signalPlan(0, [])).toThrow(/no symbols/);
  });

  it("reduce a symbol's open position instead of alternating, so sized-down orders cannot make it drift", () => {
    const held = { A: "long", B: "short", C: "flat" } as const;
    const plan = Array.from({ length: 6 }, (_, i) => signalPlan(i, ["A", "B", "C"], (s) => held[s as keyof typeof held]));
    expect(plan.map((p) => p.side)).toEqual(["short", "long", "long", "short", "long", "short"]);
  });

  it("keep a simulated position bounded whatever fraction of each order the brain authorises", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.1, max: 1, noNaN: true }), { minLength: 50, maxLength: 400 }), (fractions) => {
        let position = 0; // signed notional, one symbol
        let worst = 0;
        fractions.forEach((fraction, i) => {
          const { side } = signalPlan(i, ["A"], () => (Math.abs(position) < 1e-9 ? "flat" : position > 0 ? "long" : "short"));
          position += (side === "long" ? 1 : -1) * 150 * fraction;
          worst = Math.max(worst, Math.abs(position));
        });
        expect(worst).toBeLessThanOrEqual(150);
      }),
    );
  });
});
