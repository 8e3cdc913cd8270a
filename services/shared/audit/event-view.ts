// An audit row as the contracts' AuditEvent, for APIs and the console's audit view.
import type { ServiceName } from "../../../ops/services.js";
import type { AuditEvent } from "../contracts/index.js";
import type { AuditRecord } from "./chain.js";

export const auditEventView = (r: AuditRecord): AuditEvent => {
  const colon = r.target.indexOf(":");
  return {
    version: 1,
    eventId: r.id,
    service: r.service as ServiceName,
    actor: { kind: r.actor.kind, id: r.actor.id },
    action: r.action,
    // appendAudit only writes `<kind>:<id>` targets; an older free-form one is left out rather than misread.
    ...(colon > 0 ? { target: { kind: r.target.slice(0, colon), id: r.target.slice(colon + 1) } } : {}),
    reason: r.reason,
    before: r.before,
    after: r.after,
    tsMs: r.atMs,
  };
};
