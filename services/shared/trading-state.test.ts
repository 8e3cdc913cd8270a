import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { TradingStateSchema, checkSchema } from "./contracts/index.js";
import {
  CAUSE_RULES,
  INITIAL_TRADING_STATE,
  clearCause,
  effectiveState,
  expireCauses,
  isOrderAllowed,
  orderBlockReason,
  raiseCause,
  tradingStateMessage,
  type CauseRecord,
  type OrderPurpose,
  type TradingStateModel,
  type TradingStateName,
} from "./trading-state.js";

const T0 = Date.UTC(2026, 2, 10, 9);
const brain = { kind: "service", id: "brain" } as const;
const execution = { kind: "service", id: "execution" } as const;
const alice = { kind: "operator", id: "alice" } as const;

const hard: CauseRecord = { cause: "breaker-hard", state: "HALTED", raisedBy: brain, raisedAtMs: T0, detail: "drawdown 16 %" };
const soft: CauseRecord = { cause: "breaker-soft", state: "REDUCING", raisedBy: brain, raisedAtMs: T0, detail: "3 losses", clearsAtMs: T0 + 30 * 60_000 };
const heartbeat: CauseRecord = { cause: "heartbeat-missing", state: "REDUCING", raisedBy: execution, raisedAtMs: T0, detail: "no brain heartbeat for 60 s" };
const mismatch: CauseRecord = { cause: "reconciliation-mismatch", state: "HALTED", raisedBy: execution, raisedAtMs: T0, detail: "BTC size differs, 3 cycles" };
const redisDown = (state: "REDUCING" | "HALTED"): CauseRecord => ({
  cause: "dependency-unavailable",
  state,
  raisedBy: execution,
  raisedAtMs: T0,
  detail: "redis unreachable",
  dependency: "redis",
});

function raiseAll(records: readonly CauseRecord[], model: TradingStateModel = INITIAL_TRADING_STATE): TradingStateModel {
  return records.reduce((m, r) => {
    const result = raiseCause(m, r);
    if (!result.ok) throw new Error(result.problem);
    return result.model;
  }, model);
}

const STATES: readonly TradingStateName[] = ["ACTIVE", "REDUCING", "HALTED"];
const PURPOSES: readonly OrderPurpose[] = ["entry", "exit", "stop-loss", "take-profit", "flatten", "cancel"];
const stateArb = fc.constantFrom(...STATES);
const intentArb = fc.record({ purpose: fc.constantFrom(...PURPOSES), reduceOnly: fc.boolean() });

describe("order gate", () => {
  test("exits, stops, reduce-only and flatten orders are never blocked", () => {
    fc.assert(
      fc.property(stateArb, intentArb, (state, intent) => {
        fc.pre(intent.purpose !== "entry" || intent.reduceOnly);
        expect(isOrderAllowed(state, intent)).toBe(true);
        expect(orderBlockReason(state, intent)).toBeNull();
      }),
    );
  });

  test("new entries pass only while ACTIVE", () => {
    expect(isOrderAllowed("ACTIVE", { purpose: "entry", reduceOnly: false })).toBe(true);
    expect(isOrderAllowed("REDUCING", { purpose: "entry", reduceOnly: false })).toBe(false);
    expect(isOrderAllowed("HALTED", { purpose: "entry", reduceOnly: false })).toBe(false);
    expect(orderBlockReason("HALTED", { purpose: "entry", reduceOnly: false })).toMatch(/HALTED: new entries are blocked/);
  });
});

describe("effective state", () => {
  test("is the most restrictive of the active causes", () => {
    const causes = [hard, soft, heartbeat, mismatch, redisDown("REDUCING")];
    fc.assert(
      fc.property(fc.subarray(causes), (subset) => {
        const expected = subset.some((c) => c.state === "HALTED") ? "HALTED" : subset.length > 0 ? "REDUCING" : "ACTIVE";
        expect(effectiveState(raiseAll(subset), T0)).toBe(expected);
      }),
    );
  });

  test("a cause with a clearing time stops counting at that time", () => {
    const model = raiseAll([soft]);
    expect(effectiveState(model, T0 + 30 * 60_000 - 1)).toBe("REDUCING");
    expect(effectiveState(model, T0 + 30 * 60_000)).toBe("ACTIVE");
    const { model: after, expired } = expireCauses(model, T0 + 30 * 60_000);
    expect(expired).toEqual([soft]);
    expect(after.causes).toEqual([]);
  });

  test("the published message carries the state and its causes", () => {
    const message = tradingStateMessage(raiseAll([soft, heartbeat]), { publishedBy: "brain", sequence: 7, tsMs: T0 + 1 });
    expect(checkSchema(TradingStateSchema, message).ok).toBe(true);
    expect(message).toMatchObject({ state: "REDUCING", sequence: 7, causes: [soft, heartbeat] });
  });
});

describe("who raises and who clears (domain.md's cause table)", () => {
  test("each cause has the state, raiser and clearer of the table", () => {
    expect(CAUSE_RULES["breaker-hard"]).toMatchObject({ states: ["HALTED"], raisedBy: brain, clearedBy: "operator" });
    expect(CAUSE_RULES["breaker-soft"]).toMatchObject({ states: ["REDUCING"], raisedBy: brain, clearedBy: "self" });
    expect(CAUSE_RULES["operator-halt"]).toMatchObject({ states: ["HALTED"], raisedBy: { kind: "operator" }, clearedBy: "operator" });
    expect(CAUSE_RULES["reconciliation-mismatch"]).toMatchObject({ states: ["HALTED"], raisedBy: execution, clearedBy: "operator", needsCleanReconciliation: true });
    expect(CAUSE_RULES["heartbeat-missing"]).toMatchObject({ states: ["REDUCING"], raisedBy: execution, clearedBy: "self" });
    expect(CAUSE_RULES["dependency-unavailable"]).toMatchObject({ states: ["REDUCING", "HALTED"], raisedBy: { kind: "service" }, clearedBy: "self", needsCleanReconciliation: true });
  });

  test("a cause raised by the wrong principal or with the wrong state is refused", () => {
    expect(raiseCause(INITIAL_TRADING_STATE, { ...hard, raisedBy: execution })).toEqual({ ok: false, problem: expect.stringMatching(/raised by service brain/) });
    expect(raiseCause(INITIAL_TRADING_STATE, { ...hard, state: "REDUCING" })).toEqual({ ok: false, problem: expect.stringMatching(/HALTED, not REDUCING/) });
    expect(raiseCause(INITIAL_TRADING_STATE, { ...redisDown("HALTED"), dependency: undefined })).toMatchObject({ ok: false });
  });

  test("raising a held cause again changes nothing; a dependency outage may escalate to HALTED", () => {
    const model = raiseAll([heartbeat]);
    expect(raiseCause(model, { ...heartbeat, raisedAtMs: T0 + 5 })).toEqual({ ok: true, model, changed: false });
    const escalated = raiseAll([redisDown("REDUCING"), redisDown("HALTED")]);
    expect(escalated.causes).toHaveLength(1);
    expect(effectiveState(escalated, T0)).toBe("HALTED");
    expect(raiseCause(escalated, redisDown("REDUCING"))).toMatchObject({ changed: false });
  });

  test("HARD is cleared only by an operator with a reason", () => {
    const model = raiseAll([hard]);
    expect(clearCause(model, { cause: "breaker-hard", by: brain, reason: "x", tsMs: T0 })).toMatchObject({ ok: false, problem: expect.stringMatching(/operator/) });
    expect(clearCause(model, { cause: "breaker-hard", by: alice, reason: "  ", tsMs: T0 })).toMatchObject({ ok: false, problem: expect.stringMatching(/reason/) });
    const cleared = clearCause(model, { cause: "breaker-hard", by: alice, reason: "reviewed", tsMs: T0 });
    expect(cleared.ok && effectiveState(cleared.model, T0)).toBe("ACTIVE");
  });

  test("a reconciliation mismatch clears only by an operator after a clean reconciliation", () => {
    const model = raiseAll([mismatch]);
    expect(clearCause(model, { cause: "reconciliation-mismatch", by: alice, reason: "fixed", tsMs: T0 + 10 })).toMatchObject({ ok: false, problem: expect.stringMatching(/clean reconciliation/) });
    expect(clearCause(model, { cause: "reconciliation-mismatch", by: alice, reason: "fixed", cleanReconciliationAtMs: T0 - 1, tsMs: T0 + 10 })).toMatchObject({ ok: false });
    expect(clearCause(model, { cause: "reconciliation-mismatch", by: alice, reason: "fixed", cleanReconciliationAtMs: T0 + 5, tsMs: T0 + 10 })).toMatchObject({ ok: true });
  });

  test("self-clearing causes are cleared by their raiser or the system, never by someone else", () => {
    const model = raiseAll([heartbeat]);
    expect(clearCause(model, { cause: "heartbeat-missing", by: execution, tsMs: T0 + 1 })).toMatchObject({ ok: true });
    expect(clearCause(model, { cause: "heartbeat-missing", by: { kind: "system", id: "timer" }, tsMs: T0 + 1 })).toMatchObject({ ok: true });
    expect(clearCause(model, { cause: "heartbeat-missing", by: brain, tsMs: T0 + 1 })).toMatchObject({ ok: false });
    expect(clearCause(INITIAL_TRADING_STATE, { cause: "heartbeat-missing", by: execution, tsMs: T0 })).toMatchObject({ ok: false, problem: expect.stringMatching(/not active/) });
  });

  test("a dependency outage clears itself once the dependency is back and a reconciliation was clean", () => {
    const model = raiseAll([redisDown("HALTED")]);
    expect(clearCause(model, { cause: "dependency-unavailable", dependency: "redis", by: execution, tsMs: T0 + 1 })).toMatchObject({ ok: false });
    const cleared = clearCause(model, { cause: "dependency-unavailable", dependency: "redis", by: execution, cleanReconciliationAtMs: T0 + 1, tsMs: T0 + 2 });
    expect(cleared.ok && cleared.model.causes).toEqual([]);
  });
});
