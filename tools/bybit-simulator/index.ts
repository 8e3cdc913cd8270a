// A Bybit v5 simulator for tests and staging: the REST endpoints and WebSocket streams ccxt's bybit class
// uses, backed by the execution service's matching engine. Not part of any service.

export { startBybitSimulator, type BybitSimulator, type BybitSimulatorOptions } from "./simulator.js";
export { BybitSimulatorCore, DEFAULT_CREDENTIAL, type DuplicateOrderLinkIdCode } from "./core.js";
export { DEFAULT_INSTRUMENTS, type SimInstrument } from "./instruments.js";
export { FAULT_KINDS, type FaultKind, type FaultSpec } from "./faults.js";
export { BYBIT_RATE_LIMITS, type RateLimits } from "./rate-limit.js";
export { restSignature, wsAuthSignature, type ApiCredential } from "./signature.js";
export { PRIVATE_WS_PATH, PUBLIC_WS_PATH } from "./websocket.js";
