// The order-matching engine shared by the paper venue and the Bybit simulator (tools/bybit-simulator).

export * from "./types.js";
export { createEngineState, step, type EngineSetup } from "./engine.js";
export { checkOrderFits, checkPrice, assertValidInstrument, type InstrumentSpec, type InstrumentViolation } from "./instrument.js";
export {
  ORDER_EVENTS,
  ORDER_LIFECYCLE_STATUSES,
  InvalidOrderTransitionError,
  canTransition,
  isOpenStatus,
  isTerminalStatus,
  nextOrderStatus,
  type OrderEvent,
  type OrderLifecycleStatus,
} from "./order-lifecycle.js";
export { applyFillToPosition, flatPosition, positionDirection, signedQty, unrealisedPnlUsd, type PositionFillResult } from "./position.js";
export { DEFAULT_ENGINE_CONFIG, DEFAULT_FEES, DEFAULT_SLIPPAGE, feeUsd, slippageFraction, slippedPriceUsd, nextVolatility } from "./pricing.js";
export { leavesQty, markPriceUsd, markToMarket } from "./wallet.js";
export { formatOnStep, isOnStep, roundToStep, stepDecimals } from "./decimal.js";
export { checkSpotOrder, setSpotHoldingInputs, spotBalances, type SpotAssetBalance, type SpotOrderCheck, type SpotRefusal } from "./spot.js";
