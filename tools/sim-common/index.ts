// What the exchange simulators (tools/bybit-simulator, tools/mexc-simulator) share: seeded randomness,
// HMAC signing, the injected-fault plan. Each simulator's exchange-specific parts stay in its folder;
// both run the execution service's matching engine (services/execution/domain/matching).

export { normalDraw, seededRandom } from "./random.js";
export { hmacSha256Hex, signaturesMatch, type ApiCredential } from "./hmac.js";
export { FAULT_KINDS, FaultPlan, type ArmedFault, type FaultKind, type FaultSpec } from "./faults.js";
export { MarketTape, type Bar, type TapeTrade } from "./market-tape.js";
