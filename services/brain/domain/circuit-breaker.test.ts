import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { checkSchema, BreakerEventSchema, ControlCommandSchema } from "../../shared/contracts/index.js";
import { DEFAULT_BRAIN_PARAMETERS as P } from "./brain-parameters.js";
import { INITIAL_BREAKER_STATE, breakerStatus, breakerStep, type BreakerEffect, type BreakerInput, type BreakerState } from "./circuit-breaker.js";
import { INITIAL_TRADING_STATE, clearCause, effectiveState, raiseCause, type TradingStateModel } from "../../shared/trading-state.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 10, 9);
const alice = { kind: "operator", id: "alice" } as const;

const equity = (equityUsd: number, tsMs: number, startOfDayEquityUsd = 1_000): BreakerInput => ({ kind: "equity", equityUsd, startOfDayEquityUsd, tsMs });
const loss = (tsMs: number, pnlUsd = -10): BreakerInput => ({ kind: "trade-closed", pnlUsd, tsMs });
const reset = (tsMs: number, reason = "drawdown reviewed, positions flat"): BreakerInput => ({ kind: "operator-reset", actor: alice, reason, tsMs });

function run(inputs: readonly BreakerInput[], from: BreakerState = INITIAL_BREAKER_STATE) {
  const effects: BreakerEffect[] = [];
  const refusals: string[] = [];
  let state = from;
  for (const input of inputs) {
    const step = breakerStep(state, input, P);
    state = step.state;
    effects.push(...step.effects);
    if (step.refused !== undefined) refusals.push(step.refused);
  }
  return { state, effects, refusals };
}

/** What the adapter does with the effects: apply the causes to the trading-state model. */
function applyToTradingState(model: TradingStateModel, effects: readonly BreakerEffect[]): TradingStateModel {
  return effects.reduce((m, effect) => {
    if (effect.kind === "raise-trading-cause") {
      const result = raiseCause(m, effect.cause);
      if (!result.ok) throw new Error(result.problem);
      return result.model;
    }
    if (effect.kind === "clear-trading-cause") {
      const result = clearCause(m, { cause: effect.cause, by: effect.by, reason: effect.reason, tsMs: effect.tsMs });
      if (!result.ok) throw new Error(result.problem);
      return result.model;
    }
    return m;
  }, model);
}

const kinds = (effects: readonly BreakerEffect[]) => effects.map((e) => (e.kind === "publish-breaker-event" ? `${e.event.breaker}-${e.event.action}` : e.kind));

describe("HARD", () => {
  test("a 15 % daily drawdown flattens everything and halts trading", () => {
    const { state, effects } = run([equity(1_000, T0), equity(850, T0 + MIN)]);
    expect(state.hard).toMatchObject({ trigger: "daily-drawdown", trippedAtMs: T0 + MIN });
    expect(kinds(effects)).toEqual(["HARD-trip", "publish-control-command", "raise-trading-cause"]);
    for (const effect of effects) {
      if (effect.kind === "publish-breaker-event") expect(checkSchema(BreakerEventSchema, effect.event).ok).toBe(true);
      if (effect.kind === "publish-control-command") {
        expect(checkSchema(ControlCommandSchema, effect.command).ok).toBe(true);
        expect(effect.command).toMatchObject({ command: "flatten", issuedBy: { kind: "service", id: "brain" } });
      }
    }
    expect(effectiveState(applyToTradingState(INITIAL_TRADING_STATE, effects), T0 + MIN)).toBe("HALTED");
  });

  test("a non-finite figure is refused rather than read as within limits", () => {
    expect(breakerStep(INITIAL_BREAKER_STATE, equity(Number.NaN, T0), P)).toEqual({ state: INITIAL_BREAKER_STATE, effects: [], refused: "equityUsd must be a finite number, got NaN" });
    expect(breakerStep(INITIAL_BREAKER_STATE, loss(T0, Number.NaN), P).refused).toMatch(/pnlUsd/);
  });

  test("14.99 % does not trip; equity below 150 USD does", () => {
    expect(run([equity(850.1, T0)]).state.hard).toBeNull();
    expect(run([equity(149.99, T0, 160)]).state.hard).toMatchObject({ trigger: "min-equity" });
  });

  test("tripping is idempotent: the same condition twice trips once, with one flatten", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 849, noNaN: true }), { minLength: 1, maxLength: 10 }), (equities) => {
        const { effects } = run(equities.map((e, i) => equity(e, T0 + i * MIN)));
        expect(effects.filter((e) => e.kind === "publish-control-command")).toHaveLength(1);
        expect(effects.filter((e) => e.kind === "publish-breaker-event")).toHaveLength(1);
      }),
    );
    const once = run([equity(800, T0)]);
    const twice = breakerStep(once.state, equity(800, T0 + MIN), P);
    expect(twice.effects).toEqual([]);
    expect(twice.state.hard).toEqual(once.state.hard);
  });

  test("it stays until an operator resets it with a reason", () => {
    const tripped = run([equity(800, T0), equity(1_000, T0 + MIN, 1_000)]);
    expect(tripped.state.hard).not.toBeNull();
    const afterReset = breakerStep(tripped.state, reset(T0 + 2 * MIN), P);
    expect(afterReset.refused).toBeUndefined();
    expect(afterReset.state.hard).toBeNull();
    expect(kinds(afterReset.effects)).toEqual(["HARD-reset", "clear-trading-cause"]);
    const event = afterReset.effects[0];
    expect(event?.kind === "publish-breaker-event" && event.event).toMatchObject({ actor: alice, trigger: "operator-reset", detail: "drawdown reviewed, positions flat" });
    const model = applyToTradingState(applyToTradingState(INITIAL_TRADING_STATE, tripped.effects), afterReset.effects);
    expect(effectiveState(model, T0 + 2 * MIN)).toBe("ACTIVE");
  });

  test("a reset without a reason is refused and changes nothing", () => {
    const tripped = run([equity(800, T0), equity(1_000, T0 + MIN)]).state;
    fc.assert(
      fc.property(fc.stringMatching(/^\s*$/), (reason) => {
        const step = breakerStep(tripped, reset(T0 + 2 * MIN, reason), P);
        expect(step.refused).toMatch(/reason/);
        expect(step.state).toBe(tripped);
        expect(step.effects).toEqual([]);
      }),
    );
  });

  test("a reset is refused to anyone but an operator, when nothing is tripped, and while the condition still holds", () => {
    const tripped = run([equity(800, T0)]).state;
    const asService = breakerStep(tripped, { kind: "operator-reset", actor: { kind: "service", id: "console" }, reason: "x", tsMs: T0 + MIN }, P);
    expect(asService.refused).toMatch(/only an operator/);
    expect(breakerStep(INITIAL_BREAKER_STATE, reset(T0), P).refused).toMatch(/not tripped/);
    const still = breakerStep(tripped, reset(T0 + MIN), P);
    expect(still.refused).toMatch(/still holds: daily drawdown 20.00 %/);
    expect(still.state).toBe(tripped);
  });
});

describe("SOFT", () => {
  test("3 consecutive losses within 1 hour stop new entries for 30 minutes", () => {
    const { state, effects } = run([loss(T0), loss(T0 + 20 * MIN), loss(T0 + 60 * MIN)]);
    expect(state.soft).toMatchObject({ trippedAtMs: T0 + 60 * MIN, resetsAtMs: T0 + 90 * MIN });
    expect(kinds(effects)).toEqual(["SOFT-trip", "raise-trading-cause"]);
    expect(effectiveState(applyToTradingState(INITIAL_TRADING_STATE, effects), T0 + 60 * MIN)).toBe("REDUCING");
  });

  test("losses spread over more than an hour, or broken by a win, do not trip", () => {
    expect(run([loss(T0), loss(T0 + 30 * MIN), loss(T0 + 60 * MIN + 1)]).state.soft).toBeNull();
    expect(run([loss(T0), loss(T0 + MIN), { kind: "trade-closed", pnlUsd: 5, tsMs: T0 + 2 * MIN }, loss(T0 + 3 * MIN)]).state.soft).toBeNull();
    // The run continues: the last three losses (1, 61 and 62 minutes) are within the hour once the first drops out.
    expect(run([loss(T0), loss(T0 + 59 * MIN), loss(T0 + 61 * MIN), loss(T0 + 62 * MIN)]).state.soft).not.toBeNull();
  });

  test("SOFT expires at exactly 30 minutes by injected time", () => {
    const tripped = run([loss(T0), loss(T0 + MIN), loss(T0 + 2 * MIN)]).state;
    const resetsAtMs = T0 + 32 * MIN;
    const before = breakerStep(tripped, { kind: "tick", tsMs: resetsAtMs - 1 }, P);
    expect(before.effects).toEqual([]);
    expect(breakerStatus(before.state, resetsAtMs - 1).active).toBe("SOFT");
    expect(breakerStatus(tripped, resetsAtMs).active).toBeNull();
    const at = breakerStep(tripped, { kind: "tick", tsMs: resetsAtMs }, P);
    expect(at.state.soft).toBeNull();
    expect(kinds(at.effects)).toEqual(["SOFT-reset", "clear-trading-cause"]);
    expect(at.effects[0]?.kind === "publish-breaker-event" && at.effects[0].event).toMatchObject({ trigger: "cooldown-elapsed", tsMs: resetsAtMs, actor: { kind: "system" } });
  });

  test("a SOFT trip while SOFT is active is idempotent", () => {
    const { effects } = run([0, 1, 2, 3, 4, 5, 6].map((m) => loss(T0 + m * MIN)));
    expect(kinds(effects)).toEqual(["SOFT-trip", "raise-trading-cause"]);
  });
});

describe("HARD and SOFT together", () => {
  const inputArb: fc.Arbitrary<(tsMs: number) => BreakerInput> = fc.oneof(
    fc.double({ min: -100, max: 2_000, noNaN: true }).map((e) => (tsMs: number) => equity(e, tsMs)),
    fc.double({ min: -100, max: 100, noNaN: true }).map((pnlUsd) => (tsMs: number) => loss(tsMs, pnlUsd)),
    fc.constant((tsMs: number) => ({ kind: "tick", tsMs }) as const),
  );

  test("a SOFT trip never downgrades an active HARD trip", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(inputArb, fc.integer({ min: 0, max: 40 * MIN })), { maxLength: 40 }), (steps) => {
        let tsMs = T0;
        const hard = run([equity(100, tsMs)]);
        let state = hard.state;
        let model = applyToTradingState(INITIAL_TRADING_STATE, hard.effects);
        for (const [make, gap] of steps) {
          tsMs += gap;
          const step = breakerStep(state, make(tsMs), P);
          state = step.state;
          model = applyToTradingState(model, step.effects);
          expect(state.hard).toEqual(hard.state.hard);
          expect(effectiveState(model, tsMs)).toBe("HALTED");
          expect(step.effects.filter((e) => e.kind === "publish-breaker-event" && e.event.breaker === "SOFT" && e.event.action === "trip")).toEqual([]);
        }
      }),
    );
  });

  test("a HARD trip during a SOFT cooldown takes over: HALTED, with both breakers recorded", () => {
    const soft = run([loss(T0), loss(T0 + MIN), loss(T0 + 2 * MIN)]);
    const hard = breakerStep(soft.state, equity(100, T0 + 3 * MIN), P);
    expect(breakerStatus(hard.state, T0 + 3 * MIN)).toMatchObject({ hardActive: true, softActive: true, active: "HARD" });
    expect(effectiveState(applyToTradingState(applyToTradingState(INITIAL_TRADING_STATE, soft.effects), hard.effects), T0 + 3 * MIN)).toBe("HALTED");
  });

  test("the breaker is a pure function: same state and input, same transition", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(inputArb, fc.integer({ min: 0, max: 40 * MIN })), { maxLength: 20 }), (steps) => {
        let tsMs = T0;
        const inputs = steps.map(([make, gap]) => make((tsMs += gap)));
        expect(run(inputs)).toEqual(run(inputs));
      }),
    );
  });
});
