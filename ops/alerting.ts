// The seed's alert catalogue ("Monitoring and Alerting") as numbers: severities with their response
// times, and each alert's threshold and `for` duration. alerts/ builds its rules from these; the
// durations are chosen so that every critical alert is detected within the seed's 5-minute MTTD.
import { type Provenance, HOUR_SECONDS, MINUTE_SECONDS, decision, seed } from "./provenance.js";

export type Severity = "critical" | "warning" | "info";

export interface SeverityPolicy {
  readonly severity: Severity;
  /** What the severity means for people: page, ticket, daily review. */
  readonly action: "page" | "ticket" | "daily-review";
  /** How soon someone must respond, in seconds (0 = immediately). */
  readonly responseSeconds: number;
  readonly provenance: Provenance;
}

export const SEVERITIES: Readonly<Record<Severity, SeverityPolicy>> = {
  critical: { severity: "critical", action: "page", responseSeconds: 0, provenance: seed("Critical Alerts (Immediate Response Required)") },
  warning: { severity: "warning", action: "ticket", responseSeconds: HOUR_SECONDS, provenance: seed("Warning Alerts (Response Within 1 Hour)") },
  info: { severity: "info", action: "daily-review", responseSeconds: 24 * HOUR_SECONDS, provenance: seed("Informational Alerts (Daily Review)") },
};

export interface AlertThreshold {
  /** The threshold in the unit the name states. */
  readonly value: number;
  /** How long the condition must hold before the alert fires, in seconds. */
  readonly forSeconds: number;
  /** The window a rate or count is taken over, in seconds, where the expression has one. */
  readonly windowSeconds?: number;
  readonly provenance: Provenance;
}

const FOR_REASON = "short enough that `for` + scrape + evaluation + grouping stays under the 5-minute MTTD";

export const ALERT_THRESHOLDS = {
  /** Any core service unavailable: its scrape target (or health) is down. */
  serviceDownForSeconds: { value: 0, forSeconds: MINUTE_SECONDS, provenance: seed("Critical Alerts: System Down") },
  /** The breaker is open: trading halted by risk limits. Fires at once, a breaker trip is never noise. */
  circuitBreakerActive: { value: 1, forSeconds: 15, provenance: seed("Critical Alerts: Circuit Breaker Activated") },
  /** Any mismatch between the shadow state and the exchange. */
  positionMismatches: { value: 0, forSeconds: 15, provenance: seed("Critical Alerts: Position Mismatch") },
  /** PostgreSQL unreachable from a service or its exporter. */
  databaseDown: { value: 0, forSeconds: MINUTE_SECONDS, provenance: seed("Critical Alerts: Database Failure") },
  /** Refused authentications per window that count as an attack rather than a typo. */
  authFailuresPerWindow: {
    value: 20, forSeconds: MINUTE_SECONDS, windowSeconds: 5 * MINUTE_SECONDS,
    provenance: decision("Security Breach names no number: 20 refusals in 5 minutes is far above an operator mistyping a password (lock-out is after 5)"),
  },
  /** Signal processing above this p95 is the seed's "High Latency" warning (the KPI itself is 100 ms). */
  highSignalLatencySeconds: { value: 0.2, forSeconds: 5 * MINUTE_SECONDS, windowSeconds: 5 * MINUTE_SECONDS, provenance: seed("Warning Alerts: High Latency, Signal processing >200ms") },
  memoryUsedRatio: { value: 0.8, forSeconds: 5 * MINUTE_SECONDS, provenance: seed("Warning Alerts: Memory Usage >80% memory utilization") },
  diskFreeRatio: { value: 0.2, forSeconds: 5 * MINUTE_SECONDS, provenance: seed("Warning Alerts: Disk Space <20% free space remaining") },
  exchangeRateLimitUseRatio: {
    value: 0.8, forSeconds: 2 * MINUTE_SECONDS,
    provenance: decision("API Rate Limits 'approaching': 80 % of the venue's published limit, the same headroom as memory"),
  },
  websocketReconnectsPerWindow: {
    value: 3, forSeconds: 0, windowSeconds: 15 * MINUTE_SECONDS,
    provenance: decision("'Frequent' reconnections: more than 3 in 15 minutes; one or two a day are normal exchange maintenance"),
  },
  /** AI Quant's last successful run is older than this: the nightly job stopped running or keeps failing. */
  aiQuantLastSuccessAgeSeconds: {
    value: 26 * HOUR_SECONDS, forSeconds: 5 * MINUTE_SECONDS,
    provenance: decision("AI Quant runs nightly (a 24 h schedule: PM2 cron locally, the CronJob in Kubernetes); 2 h more lets one run start late or take long before a ticket is raised. The seed names no number (issue 9)"),
  },
  /**
   * Trading restricted fail-closed because something it depends on is gone: the brain's or execution's
   * `dependency-unavailable` cause (PostgreSQL, Redis, the venue) or execution's dead-man switch on the
   * brain's heartbeat. The value is the 0/1 cause gauge in force.
   */
  tradingRestrictedByDependency: {
    value: 1, forSeconds: MINUTE_SECONDS,
    provenance: decision(
      "The seed names no alert for trading restricted by a lost dependency; it is the state change Circuit Breaker Activated pages for, with another cause. A blip (one refused venue call, a Redis restart) clears by itself within seconds, so it waits the minute Database Failure and System Down wait",
    ),
  },
  /** A KPI alert waits this long before firing so a single slow scrape does not page. */
  kpiBreachForSeconds: { value: 0, forSeconds: 5 * MINUTE_SECONDS, provenance: decision(FOR_REASON) },
} as const satisfies Record<string, AlertThreshold>;

/** The seed's MTTD, which bounds the worst-case detection time of every critical alert. */
export const MTTD_BUDGET_SECONDS = 5 * MINUTE_SECONDS;
