// Engine values → Bybit v5 JSON, field for field as the exchange prints them (see the recorded replies in
// /work/shared/fixtures/ccxt-bybit/response.json). Numbers travel as strings except where Bybit's own docs
// show integers (positionIdx, triggerDirection, smpGroup, riskId, seq, ...).

import {
  formatOnStep,
  markToMarket,
  unrealisedPnlUsd,
  type EngineState,
  type Fill,
  type InstrumentSpec,
  type Order,
  type Position,
} from "../../services/execution/domain/matching/index.js";
import type { SimInstrument } from "./instruments.js";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An amount printed as Bybit does: up to 8 decimals, no trailing zeros, "0" for zero. */
export function amount(value: number, decimals = 8): string {
  if (!Number.isFinite(value) || Math.abs(value) < 0.5 * 10 ** -decimals) return "0";
  return value.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

export const price = (value: number, spec: InstrumentSpec): string => formatOnStep(value, spec.tickSizeUsd);
export const qty = (value: number, spec: InstrumentSpec): string => formatOnStep(value, spec.lotStepQty);
const optionalPrice = (value: number | null, spec: InstrumentSpec): string => (value === null ? "" : price(value, spec));

/** What the simulator remembers of an order beyond the engine's view of it. */
export interface OrderRecord {
  /** Bybit's id for it (the engine's id for client orders, a derived UUID for venue-created ones). */
  readonly orderId: string;
  order: Order;
  readonly orderLinkId: string;
}

export function orderStatus(order: Order): string {
  switch (order.status) {
    case "submitted":
    case "new":
      return "New";
    case "partially-filled":
      return "PartiallyFilled";
    case "filled":
      return "Filled";
    case "rejected":
      // Bybit accepts a crossing post-only order and cancels it straight away.
      return order.rejectReason === "post-only-would-take" ? "Cancelled" : "Rejected";
    case "cancelled":
    case "expired":
      return order.filledQty > 0 ? "PartiallyFilledCanceled" : "Cancelled";
  }
}

function cancelType(order: Order): string {
  switch (order.cancelReason) {
    case "client":
    case "cancel-all":
      return "CancelByUser";
    case "reduce-only-nothing-to-reduce":
      return "CancelByReduceOnly";
    default:
      return "UNKNOWN";
  }
}

function rejectReason(order: Order): string {
  if (order.rejectReason === "post-only-would-take") return "EC_PostOnlyWillTakeLiquidity";
  if (order.status === "expired" && order.filledQty === 0 && order.type === "market") return "EC_NoImmediateQtyToFill";
  return "EC_NoError";
}

const createType = (order: Order): string =>
  order.origin === "stop-loss" ? "CreateByStopLoss" : order.origin === "take-profit" ? "CreateByTakeProfit" : "CreateByUser";

const stopOrderType = (order: Order): string => (order.origin === "stop-loss" ? "StopLoss" : order.origin === "take-profit" ? "TakeProfit" : "");

const timeInForce = (order: Order): string => (order.type === "post-only" ? "PostOnly" : order.timeInForce);

/** A market order carries a protection price on Bybit: 1 % beyond the last price when it arrived. */
function orderPrice(order: Order, spec: InstrumentSpec): string {
  if (order.limitPriceUsd !== null) return price(order.limitPriceUsd, spec);
  const reference = order.priceOnCreateUsd ?? order.avgFillPriceUsd;
  if (reference === null) return "0";
  return price(Math.round((reference * (order.side === "buy" ? 1.01 : 0.99)) / spec.tickSizeUsd) * spec.tickSizeUsd, spec);
}

export function orderJson(record: OrderRecord, spec: InstrumentSpec): JsonObject {
  const { order } = record;
  const leaves = Math.max(0, order.qty - order.filledQty);
  const isOpen = order.status === "new" || order.status === "partially-filled";
  const hasStops = order.stopLossPriceUsd !== null || order.takeProfitPriceUsd !== null;
  return {
    symbol: order.symbol,
    orderType: order.type === "market" ? "Market" : "Limit",
    orderLinkId: record.orderLinkId,
    slLimitPrice: "0",
    orderId: record.orderId,
    cancelType: cancelType(order),
    avgPrice: order.avgFillPriceUsd === null ? "" : amount(order.avgFillPriceUsd),
    stopOrderType: stopOrderType(order),
    lastPriceOnCreated: order.priceOnCreateUsd === null ? "" : price(order.priceOnCreateUsd, spec),
    orderStatus: orderStatus(order),
    createType: createType(order),
    takeProfit: optionalPrice(order.takeProfitPriceUsd, spec),
    cumExecValue: amount(order.filledNotionalUsd),
    tpslMode: hasStops ? "Full" : "",
    smpType: "None",
    triggerDirection: 0,
    blockTradeId: "",
    cumFeeDetail: order.cumFeeUsd === 0 ? {} : { USDT: amount(order.cumFeeUsd) },
    rejectReason: rejectReason(order),
    isLeverage: "",
    price: orderPrice(order, spec),
    orderIv: "",
    createdTime: String(order.createdTsMs),
    tpTriggerBy: order.takeProfitPriceUsd === null ? "" : "LastPrice",
    positionIdx: 0,
    timeInForce: timeInForce(order),
    leavesValue: isOpen && order.limitPriceUsd !== null ? amount(leaves * order.limitPriceUsd) : "0",
    updatedTime: String(order.updatedTsMs),
    side: order.side === "buy" ? "Buy" : "Sell",
    smpGroup: 0,
    triggerPrice: "",
    tpLimitPrice: "0",
    cumExecFee: amount(order.cumFeeUsd),
    slTriggerBy: order.stopLossPriceUsd === null ? "" : "LastPrice",
    leavesQty: qty(isOpen ? leaves : 0, spec),
    closeOnTrigger: false,
    slippageToleranceType: "UNKNOWN",
    placeType: "",
    cumExecQty: qty(order.filledQty, spec),
    reduceOnly: order.reduceOnly,
    qty: qty(order.qty, spec),
    stopLoss: optionalPrice(order.stopLossPriceUsd, spec),
    marketUnit: "",
    smpOrderId: "",
    slippageTolerance: "0",
    triggerBy: "",
    extraFees: "",
  };
}

export interface ExecutionRecord {
  readonly execId: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly seq: number;
  readonly fill: Fill;
}

export function executionJson(record: ExecutionRecord, spec: InstrumentSpec): JsonObject {
  const { fill } = record;
  return {
    symbol: fill.symbol,
    orderType: fill.orderType === "market" ? "Market" : "Limit",
    underlyingPrice: "",
    orderLinkId: record.orderLinkId,
    orderId: record.orderId,
    stopOrderType: fill.origin === "stop-loss" ? "StopLoss" : fill.origin === "take-profit" ? "TakeProfit" : "UNKNOWN",
    execTime: String(fill.tsMs),
    feeCurrency: "",
    createType: fill.origin === "stop-loss" ? "CreateByStopLoss" : fill.origin === "take-profit" ? "CreateByTakeProfit" : "CreateByUser",
    feeRate: String(fill.feeRate),
    tradeIv: "",
    blockTradeId: "",
    markPrice: price(fill.markPriceUsd, spec),
    execPrice: price(fill.priceUsd, spec),
    markIv: "",
    orderQty: qty(fill.orderQty, spec),
    orderPrice: fill.orderPriceUsd === null ? price(fill.priceUsd, spec) : price(fill.orderPriceUsd, spec),
    execValue: amount(fill.qty * fill.priceUsd),
    closedSize: qty(fill.closedQty, spec),
    execType: "Trade",
    seq: record.seq,
    side: fill.side === "buy" ? "Buy" : "Sell",
    indexPrice: "",
    leavesQty: qty(fill.leavesQty, spec),
    isMaker: fill.liquidity === "maker",
    execFee: amount(fill.feeUsd),
    execId: record.execId,
    marketUnit: "",
    execQty: qty(fill.qty, spec),
  };
}

export interface PositionExtras {
  readonly markPriceUsd: number | null;
  readonly seq: number;
}

export function positionJson(position: Position, instrument: SimInstrument, extras: PositionExtras): JsonObject {
  const spec = instrument.spec;
  const open = position.side !== "flat";
  const mark = extras.markPriceUsd ?? position.avgEntryPriceUsd ?? 0;
  const valueUsd = open ? position.qty * (position.avgEntryPriceUsd ?? 0) : 0;
  const imUsd = open ? (position.qty * mark) / position.leverage : 0;
  const mmUsd = open ? position.qty * mark * 0.005 : 0; // Bybit's first risk tier: 0.5 % maintenance margin
  const direction = position.side === "long" ? 1 : -1;
  const entry = position.avgEntryPriceUsd ?? 0;
  // Isolated-style estimate: liquidation where the loss eats the initial margin less maintenance.
  const liqUsd = open ? Math.max(0, entry * (1 - direction * (1 / position.leverage - 0.005))) : 0;
  const bustUsd = open ? Math.max(0, entry * (1 - direction / position.leverage)) : 0;
  return {
    symbol: position.symbol,
    leverage: amount(position.leverage, 2),
    autoAddMargin: 0,
    avgPrice: open ? amount(entry) : "0",
    liqPrice: open ? price(Math.max(spec.tickSizeUsd, liqUsd), spec) : "",
    riskLimitValue: "2000000",
    takeProfit: optionalPrice(position.takeProfitPriceUsd, spec),
    positionValue: open ? amount(valueUsd) : "",
    isReduceOnly: false,
    tpslMode: "Full",
    riskId: 1,
    trailingStop: "0",
    unrealisedPnl: amount(unrealisedPnlUsd(position, extras.markPriceUsd)),
    markPrice: extras.markPriceUsd === null ? "" : price(extras.markPriceUsd, spec),
    adlRankIndicator: open ? 2 : 0,
    cumRealisedPnl: amount(position.realisedPnlUsd),
    positionMM: amount(mmUsd),
    createdTime: String(position.createdTsMs),
    positionIdx: 0,
    positionIM: amount(imUsd),
    seq: extras.seq,
    updatedTime: String(position.updatedTsMs),
    side: position.side === "long" ? "Buy" : position.side === "short" ? "Sell" : "",
    bustPrice: open ? price(Math.max(spec.tickSizeUsd, bustUsd), spec) : "",
    positionBalance: amount(imUsd),
    leverageSysUpdatedTime: "",
    size: qty(position.qty, spec),
    positionStatus: "Normal",
    mmrSysUpdatedTime: "",
    stopLoss: optionalPrice(position.stopLossPriceUsd, spec),
    tradeMode: 0,
  };
}

/** The WebSocket `position` topic carries the REST fields plus a few of its own. */
export function positionStreamJson(position: Position, instrument: SimInstrument, extras: PositionExtras): JsonObject {
  const rest = positionJson(position, instrument, extras);
  return { ...rest, category: "linear", entryPrice: rest.avgPrice!, sessionAvgPrice: "", curRealisedPnl: rest.cumRealisedPnl! };
}

/** Unified account, USDT only: balance, equity at the mark and margins from the engine. */
export function walletJson(state: EngineState): JsonObject {
  const wallet = markToMarket(state);
  const realisedUsd = Object.values(state.positions).reduce((sum, position) => sum + position.realisedPnlUsd, 0);
  const initialMarginUsd = wallet.positionMarginUsd + wallet.orderMarginUsd;
  const maintenanceUsd = wallet.positionMarginUsd * 0.05;
  const ratio = (part: number) => (wallet.equityUsd > 0 ? amount(part / wallet.equityUsd, 4) : "0");
  return {
    totalEquity: amount(wallet.equityUsd),
    accountIMRate: ratio(initialMarginUsd),
    totalMarginBalance: amount(wallet.equityUsd),
    totalInitialMargin: amount(initialMarginUsd),
    accountType: "UNIFIED",
    totalAvailableBalance: amount(wallet.availableBalanceUsd),
    accountMMRate: ratio(maintenanceUsd),
    totalPerpUPL: amount(wallet.unrealisedPnlUsd),
    totalWalletBalance: amount(wallet.walletBalanceUsd),
    accountLTV: "0",
    totalMaintenanceMargin: amount(maintenanceUsd),
    coin: [
      {
        availableToBorrow: "",
        bonus: "0",
        accruedInterest: "0",
        availableToWithdraw: "",
        totalOrderIM: amount(wallet.orderMarginUsd),
        equity: amount(wallet.equityUsd),
        totalPositionMM: amount(maintenanceUsd),
        usdValue: amount(wallet.equityUsd),
        unrealisedPnl: amount(wallet.unrealisedPnlUsd),
        collateralSwitch: true,
        spotHedgingQty: "0",
        borrowAmount: "0.000000000000000000",
        totalPositionIM: amount(wallet.positionMarginUsd),
        walletBalance: amount(wallet.walletBalanceUsd),
        cumRealisedPnl: amount(realisedUsd),
        locked: "0",
        marginCollateral: true,
        coin: "USDT",
      },
    ],
  };
}

export function instrumentJson(instrument: SimInstrument): JsonObject {
  const { spec } = instrument;
  return {
    symbol: spec.symbol,
    contractType: "LinearPerpetual",
    status: "Trading",
    baseCoin: spec.baseAsset,
    quoteCoin: spec.quoteAsset,
    launchTime: String(instrument.launchTimeMs),
    deliveryTime: "0",
    deliveryFeeRate: "",
    priceScale: String(formatOnStep(spec.tickSizeUsd, spec.tickSizeUsd).split(".")[1]?.length ?? 0),
    leverageFilter: { minLeverage: "1", maxLeverage: amount(spec.maxLeverage, 2), leverageStep: "0.01" },
    priceFilter: { minPrice: price(spec.minPriceUsd, spec), maxPrice: price(spec.maxPriceUsd, spec), tickSize: price(spec.tickSizeUsd, spec) },
    lotSizeFilter: {
      maxOrderQty: qty(spec.maxQty, spec),
      minOrderQty: qty(spec.minQty, spec),
      qtyStep: qty(spec.lotStepQty, spec),
      postOnlyMaxOrderQty: qty(instrument.postOnlyMaxQty, spec),
      maxMktOrderQty: qty(instrument.maxMarketQty, spec),
      minNotionalValue: amount(spec.minNotionalUsd),
    },
    unifiedMarginTrade: true,
    fundingInterval: instrument.fundingIntervalMinutes,
    settleCoin: "USDT",
    copyTrading: "both",
    upperFundingRate: "0.00375",
    lowerFundingRate: "-0.00375",
    isPreListing: false,
    preListingInfo: null,
    displayName: "",
  };
}
