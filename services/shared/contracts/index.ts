// services/shared/contracts: every message and HTTP body of Titan, as TypeBox schemas (JSON Schema),
// their static types, the bus envelope and the registry of message types. No service defines a wire
// shape of its own.

export * from "./primitives.js";
export * from "./trading.js";
export * from "./market.js";
export * from "./control.js";
export * from "./ops-events.js";
export * from "./http.js";
export * from "./envelope.js";
export { checkSchema, compiled, formatIssues, readablePath, type CheckResult, type SchemaIssue } from "./validation.js";
