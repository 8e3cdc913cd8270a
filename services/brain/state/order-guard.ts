// The last check before an order command leaves the brain: independent of the approval pipeline that
// sized it, it re-derives the caps and refuses a command that would break one. It should never fire;
// when it does, the command is not sent and titan_brain_orders_outside_risk_limits_total counts it
// (the seed's risk-limit-compliance KPI). Pure.

import type { Decision, OrderCommand } from "../../shared/contracts/index.js";
import { equityTier, fitsLeverageCap, type BrainParameters, type OpenPosition } from "../domain/index.js";

type Approved = Extract<Decision, { outcome: "approved" }>;

const RELATIVE_TOLERANCE = 1e-9;
const above = (value: number, cap: number): boolean => value > cap * (1 + RELATIVE_TOLERANCE);

/** Every cap the command breaks, each in words; empty when it is within all of them. */
export function orderGuardProblems(order: OrderCommand, decision: Approved, positions: readonly OpenPosition[], equityUsd: number, params: BrainParameters): string[] {
  const problems: string[] = [];
  if (!(equityUsd > 0)) return [`equity is ${equityUsd} USD: no order is within limits`];
  const cap = equityTier(equityUsd, params).leverageCap;
  if (order.reduceOnly) return problems; // reduce-only orders can only lower risk
  if (above(order.notionalUsd, decision.requestedNotionalUsd)) problems.push(`notional ${order.notionalUsd} USD is above the ${decision.requestedNotionalUsd} USD requested`);
  if (above(order.notionalUsd, decision.risk.phaseMaxNotionalUsd)) problems.push(`notional ${order.notionalUsd} USD is above the phase maximum ${decision.risk.phaseMaxNotionalUsd} USD`);
  if (above(order.leverage, cap)) problems.push(`leverage ${order.leverage}x is above the tier cap ${cap}x`);
  const side = order.side === "buy" ? "long" : "short";
  if (!fitsLeverageCap(positions, { symbol: order.symbol, side, notionalUsd: order.notionalUsd }, equityUsd, cap))
    problems.push(`projected leverage after ${order.notionalUsd} USD ${side} ${order.symbol} is above the tier cap ${cap}x`);
  if (order.stopLossPriceUsd <= 0) problems.push("the order carries no stop loss");
  return problems;
}
