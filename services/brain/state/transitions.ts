// How the brain's state changes, one input at a time: (state, input) → (state, outputs). Pure. The
// outputs are data — breaker events, control commands (flatten, transfer), the trading-state message to
// publish, closed trades, an allocation change — which the adapter writes and publishes in the same
// transaction as the new state. Every step raises the version: the adapter saves every step it commits.

import type { BreakerEvent, ControlCommand, EquitySnapshot, ExecutionReport, PositionSnapshot, TradingState } from "../../shared/contracts/index.js";
import {
  activeOverride,
  breakerStep,
  clearCause,
  clearOverride,
  expireCauses,
  phasePerformance,
  raiseCause,
  recordClosedTrade,
  rollStartOfDay,
  setOverride,
  tradingStateMessage,
  treasuryCheck,
  type Allocation,
  type AllocationOverride,
  type BrainParameters,
  type BreakerInput,
  type OverrideRequest,
  type Phase,
  type PhasePerformance,
  type Principal,
  type TreasuryCheck,
} from "../domain/index.js";
import { allocationFingerprint, allocationOf, equityUsd, type BrainState, type PositionView } from "./brain-state.js";
import { applyFill, type ClosedTradeRecord } from "./fill-ledger.js";

export interface StepContext {
  readonly params: BrainParameters;
  readonly nowMs: number;
}

export interface BookedFill {
  readonly fillId: string;
  readonly reportId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly priceUsd: number;
  readonly feeUsd: number;
  readonly realisedPnlUsd: number;
  readonly phase: Phase | null;
  readonly tsMs: number;
}

export interface StepOutputs {
  readonly breakerEvents: BreakerEvent[];
  readonly controlCommands: ControlCommand[];
  /** Set when the trading state or its causes changed: publish it (its sequence is already counted). */
  tradingState: TradingState | null;
  readonly fills: BookedFill[];
  readonly closedTrades: ClosedTradeRecord[];
  readonly performance: PhasePerformance[];
  treasury: (TreasuryCheck & { readonly venue: string }) | null;
  /** Set when the allocation differs from the one last recorded. */
  allocation: Allocation | null;
  overrideEnded: { readonly override: AllocationOverride; readonly by: Principal; readonly reason: string } | null;
}

export interface Step {
  readonly state: BrainState;
  readonly out: StepOutputs;
  /** Set when the input was refused: the state is unchanged and there are no outputs. */
  readonly refused?: readonly string[];
}

const emptyOutputs = (): StepOutputs => ({
  breakerEvents: [],
  controlCommands: [],
  tradingState: null,
  fills: [],
  closedTrades: [],
  performance: [],
  treasury: null,
  allocation: null,
  overrideEnded: null,
});

/** A step that changes nothing and writes nothing, for the reasons given. */
export const refuse = (state: BrainState, problems: readonly string[]): Step => ({ state, out: emptyOutputs(), refused: problems });

/** Runs the breaker and carries its effects into the outputs and the trading-state causes. */
function breakerInput(state: BrainState, input: BreakerInput, ctx: StepContext, out: StepOutputs): { state: BrainState; refused?: string } {
  const t = breakerStep(state.breaker, input, ctx.params);
  if (t.refused !== undefined) return { state, refused: t.refused };
  let trading = state.trading;
  for (const effect of t.effects) {
    if (effect.kind === "publish-breaker-event") out.breakerEvents.push(effect.event);
    else if (effect.kind === "publish-control-command") out.controlCommands.push(effect.command);
    else if (effect.kind === "raise-trading-cause") {
      const raised = raiseCause(trading, effect.cause);
      if (raised.ok) trading = raised.model;
    } else {
      const cleared = clearCause(trading, { cause: effect.cause, by: effect.by, reason: effect.reason, tsMs: effect.tsMs });
      if (cleared.ok) trading = cleared.model;
    }
  }
  return { state: { ...state, breaker: t.state, trading } };
}

/** Feeds the current equity to the breaker and rolls the start-of-day base. */
function equityChanged(state: BrainState, ctx: StepContext, out: StepOutputs): BrainState {
  const equity = equityUsd(state);
  if (equity === null) return state;
  const startOfDay = rollStartOfDay(state.startOfDay, equity, ctx.nowMs);
  const next = { ...state, startOfDay };
  return breakerInput(next, { kind: "equity", equityUsd: equity, startOfDayEquityUsd: startOfDay.equityUsd, tsMs: ctx.nowMs }, ctx, out).state;
}

/**
 * Swept funds leave the futures account, the one account execution reports: moved, not lost. The day's
 * drawdown is measured on what stayed, or a large sweep would read as a loss and trip HARD.
 */
function afterSweep(startOfDay: BrainState["startOfDay"], transfer: TreasuryCheck["transfer"]): BrainState["startOfDay"] {
  if (startOfDay === null || transfer === null) return startOfDay;
  const deltaUsd = transfer.fromAccount === "futures" ? -transfer.amountUsd : transfer.toAccount === "futures" ? transfer.amountUsd : 0;
  return { ...startOfDay, equityUsd: startOfDay.equityUsd + deltaUsd };
}

/** The version, trading-state publication and allocation record every committed step ends with. */
function finish(before: BrainState, after: BrainState, ctx: StepContext, out: StepOutputs): Step {
  let state: BrainState = { ...after, version: before.version + 1 };
  if (JSON.stringify(before.trading.causes) !== JSON.stringify(state.trading.causes)) {
    const sequence = before.tradingSequence + 1;
    state = { ...state, tradingSequence: sequence };
    out.tradingState = tradingStateMessage(state.trading, { publishedBy: "brain", sequence, tsMs: ctx.nowMs });
  }
  const allocation = allocationOf(state, ctx.params, ctx.nowMs);
  const fingerprint = allocationFingerprint(allocation);
  if (fingerprint !== state.allocationFingerprint) {
    state = { ...state, allocationFingerprint: fingerprint };
    out.allocation = allocation;
  }
  return { state, out };
}

export function onEquitySnapshot(state: BrainState, snapshot: EquitySnapshot, ctx: StepContext): Step {
  const out = emptyOutputs();
  const current = state.accounts[snapshot.account];
  // Snapshots of one account arrive in order from one publisher; an older one is stale news.
  if (current !== undefined && current.tsMs > snapshot.tsMs) return finish(state, state, ctx, out);
  const account = {
    venue: snapshot.venue,
    equityUsd: snapshot.equityUsd,
    walletBalanceUsd: snapshot.walletBalanceUsd,
    availableBalanceUsd: snapshot.availableBalanceUsd,
    unrealisedPnlUsd: snapshot.unrealisedPnlUsd,
    tsMs: snapshot.tsMs,
  };
  let next: BrainState = {
    ...state,
    accounts: { ...state.accounts, [snapshot.account]: account },
    // Fills up to the futures snapshot's time are in its equity already.
    fillPnlSinceSnapshot: snapshot.account === "futures" ? state.fillPnlSinceSnapshot.filter((f) => f.tsMs > snapshot.tsMs) : state.fillPnlSinceSnapshot,
  };
  next = equityChanged(next, ctx, out);
  const equity = equityUsd(next);
  // No sweeps while a HARD trip holds the book: equity is in flux until an operator has looked.
  if (snapshot.account === "futures" && equity !== null && next.breaker.hard === null) {
    const check = treasuryCheck(
      next.treasury,
      { equityUsd: equity, futuresBalanceUsd: snapshot.walletBalanceUsd, weights: allocationOf(next, ctx.params, ctx.nowMs).weights, venue: snapshot.venue, nowMs: ctx.nowMs },
      ctx.params,
    );
    if (check.trigger !== null) {
      next = { ...next, treasury: check.state };
      out.treasury = { ...check, venue: snapshot.venue };
      next = { ...next, startOfDay: afterSweep(next.startOfDay, check.transfer) };
    }
  }
  return finish(state, next, ctx, out);
}

/** A report without a fill changes nothing here (order status is execution's business). */
export function onExecutionReport(state: BrainState, report: ExecutionReport, phase: Phase | null, ctx: StepContext): Step {
  const out = emptyOutputs();
  const fill = report.fill;
  if (fill === undefined) return finish(state, state, ctx, out);
  const equityBefore = equityUsd(state) ?? 0;
  const booked = applyFill(
    state.ledger[report.symbol] ?? null,
    { fillId: fill.fillId, symbol: report.symbol, side: report.side, qty: fill.qty, priceUsd: fill.priceUsd, feeUsd: fill.feeUsd, tsMs: report.tsMs, phase, equityUsd: equityBefore },
    1,
  );
  const ledger = { ...state.ledger };
  if (booked.entry === null) delete ledger[report.symbol];
  else ledger[report.symbol] = booked.entry;
  const positions = { ...state.positions };
  const existing = positions[report.symbol];
  if (existing === undefined || existing.tsMs <= report.tsMs) {
    if (booked.entry === null) delete positions[report.symbol];
    else positions[report.symbol] = ledgerPosition(booked.entry, report.tsMs);
  }
  const futuresTsMs = state.accounts.futures?.tsMs ?? Number.NEGATIVE_INFINITY;
  const pnlUsd = booked.realisedPnlUsd - booked.feeUsd;
  const fillPnlSinceSnapshot = report.tsMs > futuresTsMs ? [...state.fillPnlSinceSnapshot, { tsMs: report.tsMs, pnlUsd }] : state.fillPnlSinceSnapshot;
  out.fills.push({ ...fill, reportId: report.reportId, clientOrderId: report.clientOrderId, symbol: report.symbol, side: report.side, realisedPnlUsd: booked.realisedPnlUsd, phase, tsMs: report.tsMs });

  let next: BrainState = { ...state, ledger, positions, fillPnlSinceSnapshot };
  for (const trade of booked.closedTrades) {
    out.closedTrades.push(trade);
    const recorded = recordClosedTrade(next.performance, trade, ctx.nowMs, ctx.params);
    if (recorded.ok) next = { ...next, performance: recorded.state };
    next = breakerInput(next, { kind: "trade-closed", pnlUsd: trade.pnlUsd, tsMs: ctx.nowMs }, ctx, out).state;
    out.performance.push(phasePerformance(next.performance, trade.phase, ctx.nowMs, ctx.params));
  }
  next = equityChanged(next, ctx, out);
  return finish(state, next, ctx, out);
}

function ledgerPosition(entry: NonNullable<BrainState["ledger"][string]>, tsMs: number): PositionView {
  const qty = Math.abs(entry.qty);
  return {
    symbol: entry.symbol,
    side: entry.qty > 0 ? "long" : "short",
    qty,
    notionalUsd: qty * entry.lastPriceUsd,
    entryPriceUsd: entry.avgEntryPriceUsd,
    markPriceUsd: entry.lastPriceUsd,
    source: "fills",
    tsMs,
  };
}

export function onPositionSnapshot(state: BrainState, snapshot: PositionSnapshot, ctx: StepContext): Step {
  const out = emptyOutputs();
  const existing = state.positions[snapshot.symbol];
  if (existing !== undefined && existing.tsMs > snapshot.tsMs) return finish(state, state, ctx, out);
  const positions = { ...state.positions };
  if (snapshot.side === "flat" || snapshot.qty === 0) delete positions[snapshot.symbol];
  else
    positions[snapshot.symbol] = {
      symbol: snapshot.symbol,
      side: snapshot.side,
      qty: snapshot.qty,
      notionalUsd: snapshot.notionalUsd,
      entryPriceUsd: snapshot.entryPriceUsd,
      markPriceUsd: snapshot.markPriceUsd,
      source: "snapshot",
      tsMs: snapshot.tsMs,
    };
  return finish(state, { ...state, positions }, ctx, out);
}

/** Whether the clock alone has changed something: a SOFT cooldown, a self-clearing cause or an override ran out. */
export function tickDue(state: BrainState, nowMs: number): boolean {
  if (state.breaker.soft !== null && nowMs >= state.breaker.soft.resetsAtMs) return true;
  if (state.trading.causes.some((c) => c.clearsAtMs !== undefined && nowMs >= c.clearsAtMs)) return true;
  return state.override !== null && activeOverride(state.override, nowMs) === null;
}

export function onTick(state: BrainState, ctx: StepContext): Step {
  const out = emptyOutputs();
  let next = breakerInput(state, { kind: "tick", tsMs: ctx.nowMs }, ctx, out).state;
  next = { ...next, trading: expireCauses(next.trading, ctx.nowMs).model };
  if (next.override !== null && activeOverride(next.override, ctx.nowMs) === null) {
    out.overrideEnded = { override: next.override, by: { kind: "system", id: "override-expiry" }, reason: "the override's time ran out" };
    next = { ...next, override: null };
  }
  return finish(state, next, ctx, out);
}

export function onBreakerReset(state: BrainState, actor: Principal, reason: string, ctx: StepContext): Step {
  const out = emptyOutputs();
  const reset = breakerInput(state, { kind: "operator-reset", actor, reason, tsMs: ctx.nowMs }, ctx, out);
  if (reset.refused !== undefined) return refuse(state, [reset.refused]);
  return finish(state, reset.state, ctx, out);
}

export function onOverrideSet(state: BrainState, request: OverrideRequest, ctx: StepContext): Step {
  const out = emptyOutputs();
  const result = setOverride(state.override, request, ctx.nowMs, ctx.params);
  if (!result.ok) return refuse(state, result.problems);
  // An expired override still held in state is ended first, so the history says so.
  if (state.override !== null) out.overrideEnded = { override: state.override, by: { kind: "system", id: "override-expiry" }, reason: "the override's time ran out" };
  return finish(state, { ...state, override: result.override }, ctx, out);
}

export function onOverrideClear(state: BrainState, by: Principal, reason: string, ctx: StepContext): Step {
  const out = emptyOutputs();
  const result = clearOverride(state.override, by, reason, ctx.nowMs);
  if (!result.ok) return refuse(state, [result.problem]);
  out.overrideEnded = { override: result.cleared, by, reason: reason.trim() };
  return finish(state, { ...state, override: null }, ctx, out);
}

export function onPhaseRegistered(state: BrainState, phase: Phase, ctx: StepContext): Step {
  if (state.registeredPhases.includes(phase)) return refuse(state, [`phase ${phase} is already registered`]);
  const registeredPhases = [...state.registeredPhases, phase].sort((a, b) => a - b);
  return finish(state, { ...state, registeredPhases }, ctx, emptyOutputs());
}

/** On start: publish the restored state again, so execution hears it even if it missed the last one. */
export function onStart(state: BrainState, ctx: StepContext): Step {
  const out = emptyOutputs();
  const sequence = state.tradingSequence + 1;
  out.tradingState = tradingStateMessage(state.trading, { publishedBy: "brain", sequence, tsMs: ctx.nowMs });
  return finish(state, { ...state, tradingSequence: sequence }, ctx, out);
}
