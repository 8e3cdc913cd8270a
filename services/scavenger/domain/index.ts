// The scavenger's strategy core (pure, no I/O): what the service, paper mode and the AI Quant
// backtester import.

export * from "./scavenger-parameters.js";
export * from "./strategy.js";
export * from "./signal.js";
export * from "./replay-tape.js";
export { BAD_MARKET_DATA_KINDS, type BadMarketDataKind } from "./market-data-guard.js";
export type { KlineInput } from "./market-state.js";
export { TRAP_TYPES, type TrapPlan, type TrapSide, type TrapType } from "./trap.js";
export { fractionalKelly, type SizeProposal, type WinRateSource } from "./sizing.js";
export type { SymbolQuality } from "./symbol-quality.js";
export { TAPE_EVENT_KINDS, deliverTapeEvent, tapeEventProblems, type TapeEventColumns, type TapeEventKind } from "./tape-events.js";
