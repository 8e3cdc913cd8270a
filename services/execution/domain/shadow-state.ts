// The shadow state: execution's own record of every position and order, built only from execution
// reports (never from a create-order answer). Positions move only with fills, each applied once by its
// venue id, direction-aware: an opposite fill reduces, closes or flips. Orders only move forward in
// their lifecycle, so a late or repeated report can never reopen a finished order.

import type { ExecutionReport } from "../../shared/contracts/index.js";
import { FillIdSet, withFillId } from "./fill-id-set.js";
import { applyFillToPosition, flatPosition, type Position } from "./matching/index.js";
import { isOpenOrderStatus, type OrderStatus, type OrderType, type Side } from "./venue-types.js";

export interface ShadowOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string | null;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly reduceOnly: boolean;
  readonly status: OrderStatus;
  readonly orderQty: number;
  readonly filledQty: number;
  readonly avgFillPriceUsd: number | null;
  readonly limitPriceUsd: number | null;
  readonly createdTsMs: number;
  readonly updatedTsMs: number;
}

export interface ShadowState {
  readonly positions: Readonly<Record<string, Position>>;
  /** Orders the state knows, open and finished; the adapter keeps finished ones it may still hear about. */
  readonly orders: Readonly<Record<string, ShadowOrder>>;
  readonly appliedFillIds: ReadonlySet<string>;
}

export const EMPTY_SHADOW_STATE: ShadowState = { positions: {}, orders: {}, appliedFillIds: FillIdSet.of() };

export interface ApplyContext {
  /** The symbol's lot step: quantities are re-snapped after arithmetic. */
  readonly lotStepQty: number;
  /** Leverage recorded on a position created by its first fill. */
  readonly defaultLeverage: number;
}

export interface ApplyOutcome {
  readonly state: ShadowState;
  /** The report carried a fill not applied before: the position moved. */
  readonly fillApplied: boolean;
  /** The report changed the order's record (status, filled quantity, venue id). */
  readonly orderChanged: boolean;
  readonly order: ShadowOrder;
  readonly position: Position | null;
}

const RANK: Readonly<Record<OrderStatus, number>> = { new: 0, "partially-filled": 1, filled: 2, cancelled: 2, rejected: 2, expired: 2 };

/** The order as the report describes it, never going backwards from what was already known. */
export function mergeOrder(previous: ShadowOrder | undefined, report: ExecutionReport): ShadowOrder {
  const fromReport: ShadowOrder = {
    clientOrderId: report.clientOrderId,
    venueOrderId: report.venueOrderId,
    symbol: report.symbol,
    side: report.side,
    orderType: report.orderType,
    reduceOnly: report.reduceOnly,
    status: report.status,
    orderQty: report.orderQty,
    filledQty: report.filledQty,
    avgFillPriceUsd: report.avgFillPriceUsd,
    limitPriceUsd: report.limitPriceUsd,
    createdTsMs: report.venueTsMs,
    updatedTsMs: report.venueTsMs,
  };
  if (!previous) return fromReport;
  const previousDone = RANK[previous.status] === 2;
  // A finished order stays finished (the first terminal status wins); an open one only moves forward.
  const status = previousDone || RANK[report.status] < RANK[previous.status] ? previous.status : report.status;
  const moreFilled = report.filledQty > previous.filledQty;
  return {
    ...previous,
    venueOrderId: previous.venueOrderId ?? report.venueOrderId,
    status,
    orderQty: previousDone ? previous.orderQty : report.orderQty,
    filledQty: moreFilled ? report.filledQty : previous.filledQty,
    avgFillPriceUsd: moreFilled ? report.avgFillPriceUsd : previous.avgFillPriceUsd,
    limitPriceUsd: previous.limitPriceUsd ?? report.limitPriceUsd,
    updatedTsMs: Math.max(previous.updatedTsMs, report.venueTsMs),
  };
}

/**
 * True when merging `report` would move the order past what `previous` holds (a later status or more
 * filled): a report merged before can never do that, as merges never go backwards. So such a report
 * has never been applied to this record, nor published with it. With no record, any report advances.
 */
export function reportAdvances(previous: ShadowOrder | undefined, report: ExecutionReport): boolean {
  return previous === undefined || (RANK[previous.status] < 2 && RANK[report.status] > RANK[previous.status]) || report.filledQty > previous.filledQty;
}

const sameOrder = (a: ShadowOrder | undefined, b: ShadowOrder): boolean =>
  a !== undefined &&
  a.status === b.status &&
  a.filledQty === b.filledQty &&
  a.orderQty === b.orderQty &&
  a.venueOrderId === b.venueOrderId &&
  a.avgFillPriceUsd === b.avgFillPriceUsd;

/** Applies one execution report; pure. */
export function applyReport(state: ShadowState, report: ExecutionReport, ctx: ApplyContext): ApplyOutcome {
  const previous = state.orders[report.clientOrderId];
  const order = mergeOrder(previous, report);
  const orderChanged = !sameOrder(previous, order);
  const fill = report.fill;
  const fillApplied = fill !== undefined && !state.appliedFillIds.has(fill.fillId);
  let positions = state.positions;
  let position: Position | null = state.positions[report.symbol] ?? null;
  if (fillApplied) {
    const before = position ?? flatPosition(report.symbol, ctx.defaultLeverage, report.venueTsMs);
    position = applyFillToPosition(before, { side: report.side, qty: fill.qty, priceUsd: fill.priceUsd, feeUsd: fill.feeUsd, tsMs: report.venueTsMs }, ctx.lotStepQty).position;
    positions = { ...state.positions, [report.symbol]: position };
  }
  if (!orderChanged && !fillApplied) return { state, fillApplied: false, orderChanged: false, order, position };
  // Not a copy per fill: a FillIdSet grows in place for its newest version.
  const appliedFillIds = fillApplied ? withFillId(state.appliedFillIds, fill.fillId) : state.appliedFillIds;
  return { state: { positions, orders: orderChanged ? { ...state.orders, [order.clientOrderId]: order } : state.orders, appliedFillIds }, fillApplied, orderChanged, order, position };
}

export const openOrders = (state: ShadowState): ShadowOrder[] => Object.values(state.orders).filter((o) => isOpenOrderStatus(o.status));

/** Positions holding exposure. */
export const openPositions = (state: ShadowState): Position[] => Object.values(state.positions).filter((p) => p.side !== "flat");

/** Drops finished orders last updated before `beforeMs` and fill ids the adapter no longer needs in memory. */
export function pruneShadowState(state: ShadowState, beforeMs: number, keepFillIds: ReadonlySet<string>): ShadowState {
  const orders: Record<string, ShadowOrder> = {};
  for (const order of Object.values(state.orders)) if (isOpenOrderStatus(order.status) || order.updatedTsMs >= beforeMs) orders[order.clientOrderId] = order;
  return { positions: state.positions, orders, appliedFillIds: keepFillIds };
}
