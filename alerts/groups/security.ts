// Security: refused authentications at a rate no mistyped password explains. Seed: "Security Breach:
// Unauthorized access attempts".
import { ALERT_THRESHOLDS, promDuration, snakeName } from "../../ops/index.js";
import { SCRAPED_SERVICES } from "../config.js";
import { formatDuration } from "../format.js";
import type { GroupSpec } from "../model.js";

export const SECURITY_ALERTS = {
  securityBreachSuspected: "TitanSecurityBreachSuspected",
} as const;

const auth = ALERT_THRESHOLDS.authFailuresPerWindow;
const window = promDuration(auth.windowSeconds);

export const SECURITY_RECORDS = {
  authFailures: `service:titan_auth_failures:increase${window}`,
} as const;

export const SECURITY_GROUP: GroupSpec = {
  area: "security",
  recordingRules: SCRAPED_SERVICES.map((service) => ({
    record: SECURITY_RECORDS.authFailures,
    expr: `sum by (service) (increase(titan_${snakeName(service)}_auth_failures_total[${window}]))`,
    labels: { service },
  })),
  alerts: [
    {
      name: SECURITY_ALERTS.securityBreachSuspected,
      severity: "critical",
      service: "by-series",
      expr: `${SECURITY_RECORDS.authFailures} >= ${auth.value}`,
      forSeconds: auth.forSeconds,
      summary: "{{ $labels.service }} refused {{ $value | printf \"%.0f\" }} authentications in " + window,
      description: `{{ $labels.service }} has refused at least ${auth.value} authentication or authorisation attempts per ${window} for ${formatDuration(auth.forSeconds)} (now {{ $value | printf "%.0f" }}). Far more than an operator mistyping: someone is guessing passwords, replaying tokens or probing the API.`,
    },
  ],
};
