import { describe, expect, test } from "vitest";
import { checkSchema, ControlCommandSchema, TradingStateSchema, type EquitySnapshot, type ExecutionReport } from "../../shared/contracts/index.js";
import { SAMPLE_PAYLOADS } from "../../shared/contracts/samples.js";
import { DEFAULT_BRAIN_PARAMETERS as params } from "../domain/index.js";
import { INITIAL_BRAIN_STATE, equityUsd, tradingStateName, type BrainState } from "./brain-state.js";
import { onBreakerReset, onEquitySnapshot, onExecutionReport, onOverrideSet, onPhaseRegistered, onPositionSnapshot, onTick, tickDue, type Step } from "./transitions.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 10, 9);
const alice = { kind: "operator", id: "alice" } as const;
const ctx = (nowMs: number) => ({ params, nowMs });

const equity = (equityUsd: number, tsMs: number, over: Partial<EquitySnapshot> = {}): EquitySnapshot => ({
  ...SAMPLE_PAYLOADS["equity-snapshot"],
  equityUsd,
  walletBalanceUsd: equityUsd,
  availableBalanceUsd: equityUsd,
  unrealisedPnlUsd: 0,
  tsMs,
  ...over,
});

let fills = 0;
const report = (side: "buy" | "sell", qty: number, priceUsd: number, tsMs: number, feeUsd = 0): ExecutionReport => {
  fills += 1;
  return {
    ...SAMPLE_PAYLOADS["execution-report"],
    reportId: `00000000-0000-4000-8000-${String(fills).padStart(12, "0")}`,
    symbol: "BTCUSDT",
    side,
    status: "filled",
    orderQty: qty,
    filledQty: qty,
    remainingQty: 0,
    avgFillPriceUsd: priceUsd,
    fill: { fillId: `fill-${fills}`, qty, priceUsd, feeUsd, liquidity: "taker" },
    tsMs,
  };
};

const registered = (): BrainState => onPhaseRegistered(INITIAL_BRAIN_STATE, 1, ctx(T0)).state;

describe("the brain's state transitions", () => {
  test("losses booked from execution reports past 15 % trip HARD: flatten, HALTED, a new trading-state sequence", () => {
    let state = onEquitySnapshot(registered(), equity(1_000, T0), ctx(T0)).state;
    state = onExecutionReport(state, report("buy", 0.1, 60_000, T0 + 1_000), 1, ctx(T0 + 1_000)).state;
    const step = onExecutionReport(state, report("sell", 0.1, 58_000, T0 + 2_000, 1), null, ctx(T0 + 2_000));
    expect(equityUsd(step.state)).toBeCloseTo(799, 9);
    expect(step.out.breakerEvents.map((e) => `${e.breaker}-${e.action}`)).toEqual(["HARD-trip"]);
    expect(step.out.controlCommands).toHaveLength(1);
    expect(checkSchema(ControlCommandSchema, step.out.controlCommands[0]).ok).toBe(true);
    expect(step.out.tradingState).toMatchObject({ state: "HALTED", sequence: 1, causes: [{ cause: "breaker-hard" }] });
    expect(checkSchema(TradingStateSchema, step.out.tradingState).ok).toBe(true);
    expect(step.out.closedTrades).toHaveLength(1);
    expect(step.state.version).toBe(state.version + 1);
    expect(tradingStateName(step.state, T0 + 2_000)).toBe("HALTED");
  });

  test("a fill already inside the next futures snapshot is not counted twice", () => {
    let state = onEquitySnapshot(registered(), equity(1_000, T0), ctx(T0)).state;
    state = onExecutionReport(state, report("buy", 1, 100, T0 + 1_000), 1, ctx(T0 + 1_000)).state;
    state = onExecutionReport(state, report("sell", 1, 90, T0 + 2_000), 1, ctx(T0 + 2_000)).state;
    expect(equityUsd(state)).toBe(990);
    state = onEquitySnapshot(state, equity(990, T0 + 3_000), ctx(T0 + 3_000)).state;
    expect(equityUsd(state)).toBe(990);
    // An older snapshot arriving late is ignored.
    state = onEquitySnapshot(state, equity(5_000, T0 + 2_500), ctx(T0 + 3_500)).state;
    expect(equityUsd(state)).toBe(990);
  });

  test("three losing trades within an hour trip SOFT; the clock alone clears it after 30 minutes", () => {
    let state = onEquitySnapshot(registered(), equity(10_000, T0), ctx(T0)).state;
    let last: Step | null = null;
    for (let i = 0; i < 3; i++) {
      state = onExecutionReport(state, report("buy", 1, 100, T0 + i * MIN), 1, ctx(T0 + i * MIN)).state;
      last = onExecutionReport(state, report("sell", 1, 99, T0 + i * MIN + 1), 1, ctx(T0 + i * MIN + 1));
      state = last.state;
    }
    expect(last?.out.tradingState?.state).toBe("REDUCING");
    expect(tickDue(state, T0 + 10 * MIN)).toBe(false);
    const cleared = T0 + 2 * MIN + 1 + 30 * MIN;
    expect(tickDue(state, cleared)).toBe(true);
    const tick = onTick(state, ctx(cleared));
    expect(tick.out.breakerEvents.map((e) => `${e.breaker}-${e.action}-${e.trigger}`)).toEqual(["SOFT-reset-cooldown-elapsed"]);
    expect(tick.out.tradingState).toMatchObject({ state: "ACTIVE", causes: [] });
    expect(tickDue(tick.state, cleared)).toBe(false);
  });

  test("an operator reset is refused while the HARD condition holds and accepted once equity recovered", () => {
    let state = onEquitySnapshot(registered(), equity(1_000, T0), ctx(T0)).state;
    state = onEquitySnapshot(state, equity(800, T0 + 1), ctx(T0 + 1)).state;
    const refused = onBreakerReset(state, alice, "looked at it", ctx(T0 + 2));
    expect(refused.refused?.[0]).toMatch(/still holds/);
    expect(refused.state).toBe(state);
    state = onEquitySnapshot(state, equity(1_000, T0 + 3), ctx(T0 + 3)).state;
    const reset = onBreakerReset(state, alice, "deposit arrived", ctx(T0 + 4));
    expect(reset.refused).toBeUndefined();
    expect(reset.out.tradingState).toMatchObject({ state: "ACTIVE", sequence: 2 });
  });

  test("the allocation is recorded when it changes, not on every message", () => {
    const first = onEquitySnapshot(registered(), equity(1_000, T0), ctx(T0));
    expect(first.out.allocation).toBeNull(); // phase registration already recorded w1 = 1 at MICRO
    const same = onEquitySnapshot(first.state, equity(1_001, T0 + 1), ctx(T0 + 1));
    expect(same.out.allocation).toBeNull();
    const override = onOverrideSet(same.state, { weights: { 1: 0.5, 2: 0, 3: 0.5 }, setBy: alice, reason: "test", durationMs: 3_600_000 }, ctx(T0 + 2));
    expect(override.out.allocation).toMatchObject({ source: "override", allocated: { 1: 0.5, 2: 0, 3: 0 }, reserveWeight: 0.5 });
  });

  test("a treasury sweep moves the futures balance above 1.2 × target to spot", () => {
    let state = onOverrideSet(registered(), { weights: { 1: 0.5, 2: 0, 3: 0.5 }, setBy: alice, reason: "test", durationMs: 3_600_000 }, ctx(T0)).state;
    const step = onEquitySnapshot(state, equity(10_000, T0 + 1), ctx(T0 + 1));
    expect(step.out.treasury).toMatchObject({ trigger: "daily", figures: { targetUsd: 5_000, amountUsd: 5_000 } });
    expect(step.out.treasury?.transfer).toMatchObject({ command: "transfer", amountUsd: 5_000, fromAccount: "futures", toAccount: "spot", venue: "paper" });
    state = step.state;
    expect(onEquitySnapshot(state, equity(10_000, T0 + 2), ctx(T0 + 2)).out.treasury).toBeNull(); // once a day
  });

  test("the futures equity a sweep took away is not a drawdown: no HARD trip, the base follows the sweep", () => {
    const state = onOverrideSet(registered(), { weights: { 1: 0.5, 2: 0, 3: 0.5 }, setBy: alice, reason: "test", durationMs: 3_600_000 }, ctx(T0)).state;
    const sweep = onEquitySnapshot(state, equity(10_000, T0 + 1), ctx(T0 + 1));
    expect(sweep.out.treasury?.transfer?.amountUsd).toBe(5_000);
    expect(sweep.state.startOfDay?.equityUsd).toBe(5_000);
    // Execution's next snapshot shows the futures account without the 5,000 moved to spot.
    const after = onEquitySnapshot(sweep.state, equity(5_000, T0 + 2), ctx(T0 + 2));
    expect(after.state.breaker.hard).toBeNull();
    expect(after.out.breakerEvents).toEqual([]);
    // A real loss from there still counts: 20 % of what stayed trips HARD.
    const loss = onEquitySnapshot(after.state, equity(4_000, T0 + 3), ctx(T0 + 3));
    expect(loss.state.breaker.hard).not.toBeNull();
  });

  test("position snapshots replace older positions and a flat one removes the symbol", () => {
    const long = { ...SAMPLE_PAYLOADS["position-snapshot"], symbol: "ETHUSDT", tsMs: T0 };
    let state = onPositionSnapshot(registered(), long, ctx(T0)).state;
    expect(state.positions.ETHUSDT).toMatchObject({ side: "long", notionalUsd: 240.4, source: "snapshot" });
    state = onPositionSnapshot(state, { ...long, side: "flat", qty: 0, notionalUsd: 0, tsMs: T0 - 1 }, ctx(T0)).state;
    expect(state.positions.ETHUSDT).toBeDefined();
    state = onPositionSnapshot(state, { ...long, side: "flat", qty: 0, notionalUsd: 0, tsMs: T0 + 1 }, ctx(T0)).state;
    expect(state.positions.ETHUSDT).toBeUndefined();
  });
});
