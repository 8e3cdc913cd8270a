// The injected-fault plan is shared with the MEXC simulator (tools/sim-common/faults.ts). For Bybit:
//   rate-limit     retCode 10006 (ccxt: RateLimitExceeded); timeout: retCode 10016 "Request timeout"
//   (ccxt: RequestTimeout); hang and response-lost drop the connection.

export { FAULT_KINDS, FaultPlan, type ArmedFault, type FaultKind, type FaultSpec } from "../sim-common/faults.js";
