// The audit log: append-only, hash-chained, written by every service through this module.
export { canonicalJson, CanonicalJsonError, type JsonValue } from "./canonical-json.js";
export {
  AUDIT_ACTOR_KINDS,
  GENESIS_HASH,
  canonicalAuditRecord,
  chainRecords,
  hashAuditRecord,
  verifyChain,
  type AuditActor,
  type AuditActorKind,
  type AuditRecord,
  type ChainProblem,
  type ChainVerdict,
  type ChainedAuditRecord,
} from "./chain.js";
export {
  AuditInputError,
  appendAudit,
  listAuditEvents,
  recordAudit,
  verifyAuditChain,
  type AuditEventInput,
  type AuditTransaction,
} from "./audit-log.js";
export { auditEventView } from "./event-view.js";
