// A MEXC spot v3 simulator for tests and staging: the REST endpoints ccxt's mexc class calls for spot
// market data and spot orders, backed by the execution service's matching engine run as a spot book.

export { startMexcSimulator, type MexcSimulator, type MexcSimulatorOptions } from "./simulator.js";
export { DEFAULT_CREDENTIAL, MexcError, MexcSimulatorCore } from "./core.js";
export { DEFAULT_SPOT_INSTRUMENTS, type MexcSpotInstrument } from "./instruments.js";
export { mexcSignature, splitSignature, verifyMexcRequest } from "./signature.js";
