// Everything the brain knows between messages, as one immutable value: the breaker, the trading-state
// causes, equity per account, the fill ledger and positions, treasury, override, registered phases and
// recent closed trades. The adapters persist it in one row (plus the phase, override and trade tables)
// and restore it on start; the functions here derive what signal approval and the API need from it.

import type { EquitySnapshot } from "../../shared/contracts/index.js";
import {
  EMPTY_PERFORMANCE,
  INITIAL_BREAKER_STATE,
  INITIAL_TRADING_STATE,
  INITIAL_TREASURY_STATE,
  activeOverride,
  allocate,
  effectiveState,
  type Allocation,
  type AllocationOverride,
  type BrainParameters,
  type BreakerState,
  type OpenPosition,
  type PerformanceState,
  type Phase,
  type PortfolioSnapshot,
  type PositionSide,
  type StartOfDayEquity,
  type TradingStateModel,
  type TradingStateName,
  type TreasuryState,
} from "../domain/index.js";
import type { LedgerEntry } from "./fill-ledger.js";

export type Account = EquitySnapshot["account"];
export type Venue = EquitySnapshot["venue"];

export interface AccountSnapshot {
  readonly venue: Venue;
  readonly equityUsd: number;
  readonly walletBalanceUsd: number;
  readonly availableBalanceUsd: number;
  readonly unrealisedPnlUsd: number;
  readonly tsMs: number;
}

/** Realised PnL of a fill that execution's latest equity snapshot does not include yet. */
export interface FillPnl {
  readonly tsMs: number;
  readonly pnlUsd: number;
}

export interface PositionView {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly qty: number;
  readonly notionalUsd: number;
  readonly entryPriceUsd: number | null;
  readonly markPriceUsd: number | null;
  /** `snapshot`: execution's position snapshot; `fills`: the brain's own ledger, when newer. */
  readonly source: "snapshot" | "fills";
  readonly tsMs: number;
}

export interface BrainState {
  readonly version: number;
  readonly breaker: BreakerState;
  readonly trading: TradingStateModel;
  /** Sequence of the last trading-state message published. */
  readonly tradingSequence: number;
  readonly startOfDay: StartOfDayEquity | null;
  readonly accounts: Readonly<Partial<Record<Account, AccountSnapshot>>>;
  readonly fillPnlSinceSnapshot: readonly FillPnl[];
  readonly ledger: Readonly<Record<string, LedgerEntry>>;
  readonly positions: Readonly<Record<string, PositionView>>;
  readonly treasury: TreasuryState;
  readonly override: AllocationOverride | null;
  readonly registeredPhases: readonly Phase[];
  readonly performance: PerformanceState;
  /** What the last recorded allocation looked like: a new history row is written when it changes. */
  readonly allocationFingerprint: string | null;
}

export const INITIAL_BRAIN_STATE: BrainState = {
  version: 0,
  breaker: INITIAL_BREAKER_STATE,
  trading: INITIAL_TRADING_STATE,
  tradingSequence: 0,
  startOfDay: null,
  accounts: {},
  fillPnlSinceSnapshot: [],
  ledger: {},
  positions: {},
  treasury: INITIAL_TREASURY_STATE,
  override: null,
  registeredPhases: [],
  performance: EMPTY_PERFORMANCE,
  allocationFingerprint: null,
};

/** Total equity: every account's last snapshot plus fills booked since the futures snapshot; null before any snapshot. */
export function equityUsd(state: BrainState): number | null {
  const accounts = Object.values(state.accounts);
  if (accounts.length === 0) return null;
  const snapshots = accounts.reduce((acc, a) => acc + a.equityUsd, 0);
  return snapshots + state.fillPnlSinceSnapshot.reduce((acc, f) => acc + f.pnlUsd, 0);
}

/** The allocation at the current equity, with the override that is active at `nowMs`. */
export function allocationOf(state: BrainState, params: BrainParameters, nowMs: number): Allocation {
  const override = activeOverride(state.override, nowMs);
  return allocate(Math.max(0, equityUsd(state) ?? 0), state.registeredPhases, params, override?.weights ?? null);
}

/** Changes in this string are what the allocation history records. */
export function allocationFingerprint(allocation: Allocation): string {
  const w = allocation.weights;
  return [allocation.source, allocation.tier.name, allocation.registeredPhases.join(""), w[1].toFixed(3), w[2].toFixed(3), w[3].toFixed(3)].join("|");
}

export type LatestPrice = (symbol: string) => number | null;

/** Open positions for the risk figures, marked at the latest market price when there is one. */
export function openPositions(state: BrainState, latestPrice: LatestPrice = () => null): OpenPosition[] {
  return Object.values(state.positions).map((p) => {
    const mark = latestPrice(p.symbol);
    return { symbol: p.symbol, side: p.side, notionalUsd: mark !== null && p.qty > 0 ? p.qty * mark : p.notionalUsd };
  });
}

/** Open notional per phase, from the trades in the ledger (positions carry no phase). */
export function phaseExposureUsd(state: BrainState, latestPrice: LatestPrice = () => null): Partial<Record<Phase, number>> {
  const exposure: Partial<Record<Phase, number>> = {};
  for (const entry of Object.values(state.ledger)) {
    const price = latestPrice(entry.symbol) ?? entry.lastPriceUsd;
    exposure[entry.phase] = (exposure[entry.phase] ?? 0) + Math.abs(entry.qty) * price;
  }
  return exposure;
}

export function portfolioSnapshot(state: BrainState, latestPrice: LatestPrice = () => null): PortfolioSnapshot {
  return {
    equityUsd: equityUsd(state) ?? 0,
    positions: openPositions(state, latestPrice),
    ...(state.startOfDay ? { startOfDayEquityUsd: state.startOfDay.equityUsd } : {}),
    phaseExposureUsd: phaseExposureUsd(state, latestPrice),
  };
}

export const tradingStateName = (state: BrainState, nowMs: number): TradingStateName => effectiveState(state.trading, nowMs);
