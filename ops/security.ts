// Security rules of the seed ("Security Considerations", "Compliance and Auditing") that carry numbers.
import { type Provenance, DAY_SECONDS, MINUTE_SECONDS, decision, seed } from "./provenance.js";

export const SECURITY = {
  /** Exchange API keys older than this must be rotated; an alert fires past it. */
  apiKeyRotationSeconds: { value: 90 * DAY_SECONDS, provenance: decision("the seed asks for 'regular rotation' without a period: 90 days, the common exchange and PCI practice") },
  /** Access permissions are reviewed this often. */
  accessReviewSeconds: { value: 91 * DAY_SECONDS, provenance: seed("Internal Controls: Quarterly access permission reviews") },
  minimumTlsVersion: { value: "TLSv1.3", provenance: seed("Data Protection: TLS 1.3 for all communications") },
  /** Roles that must log in with a second factor. */
  mfaRequiredRoles: { value: ["operator", "admin"] as const, provenance: seed("Access Control: Multi-Factor Authentication required for all admin access") },
  loginFailuresBeforeLockout: { value: 5, provenance: decision("five wrong passwords or codes lock the account") },
  lockoutSeconds: { value: 15 * MINUTE_SECONDS, provenance: decision("long enough to stop guessing, short enough not to lock out an operator during an incident") },
} as const satisfies Record<string, { value: unknown; provenance: Provenance }>;

export const ESCALATION = {
  immediate: { seconds: 0, provenance: seed("Escalation Procedures: Immediate Escalation (Critical Issues)") },
  standard: { seconds: 4 * 3_600, provenance: seed("Escalation Procedures: Standard Escalation (Within 4 Hours)") },
  planned: { seconds: DAY_SECONDS, provenance: seed("Escalation Procedures: Planned Escalation (Next Business Day)") },
} as const;
