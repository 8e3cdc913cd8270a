// Alertmanager's configuration, for the local stack and for production alike: critical pages,
// warning opens a ticket, info goes to a daily digest, the Watchdog to a dead-man's switch; and the
// inhibitions that keep one fault from sounding as many. Receivers deliver nowhere unless given
// integrations (production passes them; locally alerts stay visible in Alertmanager's UI and API).
import { stringify } from "yaml";
import { ESCALATION, KPIS, SEVERITIES, promDuration } from "../ops/index.js";
import { KPI_ALERTS } from "./groups/kpis.js";
import { SERVICE_ALERTS } from "./groups/services.js";
import { TRADING_ALERTS } from "./groups/trading.js";
import { WATCHDOG_ALERT } from "./groups/watchdog.js";

export const RECEIVERS = { pager: "pager", ticket: "ticket", digest: "daily-digest", deadMan: "dead-man" } as const;
export type ReceiverRole = keyof typeof RECEIVERS;

export interface RouteTiming {
  /** Wait before the first notification of a new group (counts towards detection time). */
  readonly groupWaitSeconds: number;
  /** Wait before notifying about alerts added to a group already notified. */
  readonly groupIntervalSeconds: number;
  /** Wait before repeating a notification nothing has changed in. */
  readonly repeatIntervalSeconds: number;
}

/**
 * Per route. Critical groups briefly (10 s) since it counts against the 5-minute MTTD, and re-pages
 * when an incident outlives the MTTR target; warnings re-notify at the standard escalation; info is
 * gathered for a day, the daily review; the Watchdog repeats every minute so its absence is noticed
 * within minutes.
 */
export const ROUTE_TIMINGS: Readonly<Record<"critical" | "warning" | "info" | "watchdog", RouteTiming>> = {
  critical: { groupWaitSeconds: 10, groupIntervalSeconds: 60, repeatIntervalSeconds: KPIS.meanTimeToRecovery.threshold },
  warning: { groupWaitSeconds: 30, groupIntervalSeconds: 5 * 60, repeatIntervalSeconds: ESCALATION.standard.seconds },
  info: { groupWaitSeconds: 60, groupIntervalSeconds: SEVERITIES.info.responseSeconds, repeatIntervalSeconds: SEVERITIES.info.responseSeconds },
  watchdog: { groupWaitSeconds: 0, groupIntervalSeconds: 60, repeatIntervalSeconds: 60 },
};

/** Alerts that mean "this service is not there": every other alert of the same service follows from them. */
export const SERVICE_ABSENT_ALERTS: readonly string[] = [SERVICE_ALERTS.serviceDown, SERVICE_ALERTS.optionalServiceDown, SERVICE_ALERTS.serviceTargetMissing];

/** An Alertmanager receiver's integrations: its `*_configs` fields (pagerduty_configs, webhook_configs, ...). */
export type ReceiverIntegrations = Readonly<Record<string, readonly unknown[]>>;

export interface AlertmanagerOptions {
  /** Integrations per receiver; a receiver without any delivers nowhere. */
  readonly receivers?: Partial<Record<ReceiverRole, ReceiverIntegrations>>;
  /** Alertmanager's `global` section (SMTP, Slack URL, resolve_timeout, ...). */
  readonly global?: Readonly<Record<string, unknown>>;
}

const seconds = (s: number): string => (s === 0 ? "0s" : promDuration(s));

const timing = (t: RouteTiming): Record<string, string> => ({
  group_wait: seconds(t.groupWaitSeconds),
  group_interval: seconds(t.groupIntervalSeconds),
  repeat_interval: seconds(t.repeatIntervalSeconds),
});

const anyOf = (names: readonly string[]): string => names.join("|");

const receiverOf = (role: ReceiverRole, integrations: ReceiverIntegrations | undefined): Record<string, unknown> => {
  for (const [key, value] of Object.entries(integrations ?? {})) {
    if (!/^[a-z]+_configs$/.test(key)) throw new Error(`receiver ${RECEIVERS[role]}: "${key}" is not an Alertmanager integration (expected e.g. webhook_configs, pagerduty_configs)`);
    if (!Array.isArray(value) || value.length === 0) throw new Error(`receiver ${RECEIVERS[role]}: ${key} must be a non-empty list`);
  }
  return { name: RECEIVERS[role], ...integrations };
};

export const alertmanagerConfig = (opts: AlertmanagerOptions = {}): Record<string, unknown> => {
  for (const role of Object.keys(opts.receivers ?? {})) {
    if (!(role in RECEIVERS)) throw new Error(`unknown receiver role "${role}": expected one of ${Object.keys(RECEIVERS).join(", ")}`);
  }
  return {
    ...(opts.global ? { global: { ...opts.global } } : {}),
    route: {
      // Anything no child route takes (a new severity, a typo) still reaches a person.
      receiver: RECEIVERS.ticket,
      group_by: ["alertname", "service"],
      ...timing(ROUTE_TIMINGS.warning),
      routes: [
        { receiver: RECEIVERS.deadMan, matchers: [`alertname="${WATCHDOG_ALERT}"`], ...timing(ROUTE_TIMINGS.watchdog) },
        { receiver: RECEIVERS.pager, matchers: ['severity="critical"'], ...timing(ROUTE_TIMINGS.critical) },
        { receiver: RECEIVERS.ticket, matchers: ['severity="warning"'], ...timing(ROUTE_TIMINGS.warning) },
        // One group for every info alert: one digest a day.
        { receiver: RECEIVERS.digest, matchers: ['severity="info"'], group_by: ["severity"], ...timing(ROUTE_TIMINGS.info) },
      ],
    },
    inhibit_rules: [
      // A critical alert silences the lesser alerts of the same name and service.
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ["alertname", "service"] },
      // A service that is not there silences everything else about that service (latency, KPIs, memory...).
      {
        source_matchers: [`alertname=~"${anyOf(SERVICE_ABSENT_ALERTS)}"`],
        target_matchers: [`alertname!~"${anyOf(SERVICE_ABSENT_ALERTS)}"`],
        equal: ["service"],
      },
      // PostgreSQL down explains every service's failing and slow statements.
      { source_matchers: [`alertname="${SERVICE_ALERTS.databaseDown}"`], target_matchers: [`alertname=~"${anyOf([SERVICE_ALERTS.serviceDatabaseErrors, KPI_ALERTS.databaseQueryTimeAboveKpi])}"`] },
      // A store that is down explains trading held back for it: the store's own alert pages, once.
      {
        source_matchers: [`alertname="${SERVICE_ALERTS.databaseDown}"`],
        target_matchers: [`alertname=~"${anyOf([TRADING_ALERTS.brainDependencyUnavailable, TRADING_ALERTS.executionDependencyUnavailable])}"`, 'dependency=~"postgres|"'],
      },
      {
        source_matchers: [`alertname="${SERVICE_ALERTS.redisDown}"`],
        target_matchers: [`alertname=~"${anyOf([TRADING_ALERTS.brainDependencyUnavailable, TRADING_ALERTS.executionDependencyUnavailable])}"`, 'dependency=~"redis|"'],
      },
      // The brain not running explains execution missing its heartbeat.
      { source_matchers: [`alertname=~"${anyOf(SERVICE_ABSENT_ALERTS)}"`, 'service="brain"'], target_matchers: [`alertname="${TRADING_ALERTS.brainHeartbeatMissing}"`] },
      // Above the 200 ms warning, the 100 ms KPI breach says nothing new.
      { source_matchers: [`alertname="${KPI_ALERTS.signalLatencyHigh}"`], target_matchers: [`alertname="${KPI_ALERTS.signalLatencyAboveKpi}"`], equal: ["service"] },
    ],
    receivers: (Object.keys(RECEIVERS) as ReceiverRole[]).map((role) => receiverOf(role, opts.receivers?.[role])),
  };
};

export const renderAlertmanagerConfig = (opts: AlertmanagerOptions = {}): string =>
  `# Generated by alerts/alertmanager.ts: do not edit by hand.\n${stringify(alertmanagerConfig(opts), { lineWidth: 0 })}`;
