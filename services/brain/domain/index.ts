// The brain's pure domain core: allocation, performance, risk, circuit breaker, trading state, signal
// approval, override and treasury rules. No I/O: adapters feed it plain data and the time, and carry its
// results (decisions, commands, effects) to PostgreSQL and the bus.

export * from "./brain-parameters.js";
export * from "./deterministic-ids.js";
export * from "./statistics.js";
export * from "./allocation.js";
export * from "./performance.js";
export * from "./risk.js";
export * from "../../shared/trading-state.js";
export * from "./circuit-breaker.js";
export * from "./signal-approval.js";
export * from "./override.js";
export * from "./treasury.js";
