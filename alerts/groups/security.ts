// Security: refused authentications at a rate no mistyped password explains (seed: "Security Breach:
// Unauthorized access attempts"), and an exchange API key kept past its rotation period (seed:
// "API key rotation"; the period is ops/ SECURITY.apiKeyRotationSeconds).
import { ALERT_THRESHOLDS, SECURITY, promDuration, snakeName } from "../../ops/index.js";
import { API_KEY_AGE_FOR_SECONDS, SCRAPED_SERVICES } from "../config.js";
import { formatDuration } from "../format.js";
import type { GroupSpec } from "../model.js";

export const SECURITY_ALERTS = {
  securityBreachSuspected: "TitanSecurityBreachSuspected",
  apiKeyRotationOverdue: "TitanExchangeApiKeyRotationOverdue",
} as const;

const rotationSeconds = SECURITY.apiKeyRotationSeconds.value;

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
    {
      name: SECURITY_ALERTS.apiKeyRotationOverdue,
      severity: "warning",
      service: "execution",
      // Age from the exchange's own record of the key's creation (execution asks it at start and at each rotation).
      expr: `max by (venue) (titan_execution_api_key_age_seconds) > ${rotationSeconds}`,
      forSeconds: API_KEY_AGE_FOR_SECONDS,
      summary: "The {{ $labels.venue }} API key is {{ $value | humanizeDuration }} old",
      description: `The {{ $labels.venue }} API key execution signs with was created {{ $value | humanizeDuration }} ago, past the rotation period of ${formatDuration(rotationSeconds)} (ops/ SECURITY). Create a new key at the exchange, write it to execution's key files (it is used without a restart), then delete the old key at the exchange.`,
    },
  ],
};
