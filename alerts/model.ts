// The shapes of the alert catalogue. Group modules write AlertSpecs; one transform (buildGroup) turns
// them into AlertRules with the labels and the runbook link every alert must carry.
import type { ServiceName, Severity } from "../ops/index.js";
import { runbookUrl } from "./runbook-url.js";

/** `none` is the Watchdog's: it is for machines (the dead-man's switch), never for people. */
export type AlertSeverity = Severity | "none";

/** The areas the catalogue is split into; each renders to one rule group and one file. */
export type AlertArea = "services" | "trading" | "kpis" | "security" | "capacity" | "stack" | "backups" | "jobs" | "incidents" | "watchdog";

/**
 * Something a deployment must run itself for an alert to mean anything there. The local stack runs
 * everything; a Pulumi stack renders only the alerts whose capabilities it has (deployments.ts).
 */
export type Capability =
  /** PostgreSQL ships its own WAL through an archive_command we run (local: the backup adapter; dev: CloudNativePG). */
  | "self-managed-wal-archiving"
  /** The backup scheduler of services/backup runs and pushes titan_backup_* (the local stack's PM2 app). */
  | "backup-scheduler";

/**
 * Where an alert's `service` label comes from: one named service, or the series it fires on (the
 * expression keeps a `service` label, or the rule templates it from the `job`).
 */
export type ServiceLabel = ServiceName | "by-series";

export interface AlertSpec {
  readonly name: string;
  readonly severity: AlertSeverity;
  readonly service?: ServiceLabel;
  readonly expr: string;
  /** 0 leaves `for` out: the alert fires at the first evaluation that finds the condition true. */
  readonly forSeconds: number;
  /**
   * Time the expression itself needs after a fault before it turns true, beyond scraping (a window
   * that must first empty of good samples). Counted in the worst-case detection time.
   */
  readonly conditionLagSeconds?: number;
  /** Labels besides severity (and a static service). Values may use Prometheus templates. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Capabilities a deployment needs for this alert to apply; absent: it applies everywhere. */
  readonly requires?: readonly Capability[];
  readonly summary: string;
  /** Prometheus template: `$labels`, `$value` and `query` are available. */
  readonly description: string;
}

export interface AlertRule {
  readonly name: string;
  readonly area: AlertArea;
  readonly severity: AlertSeverity;
  readonly service?: ServiceLabel;
  readonly expr: string;
  readonly forSeconds: number;
  readonly conditionLagSeconds: number;
  /** Every label the rule sets: severity, service when static, and the spec's own. */
  readonly labels: Readonly<Record<string, string>>;
  readonly requires: readonly Capability[];
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  /** Prometheus group name, also the rendered file's base name and the PrometheusRule's name. */
  readonly name: string;
  readonly area: AlertArea;
  /** The group's own evaluation interval; absent: Prometheus's global evaluation_interval. */
  readonly intervalSeconds?: number;
  /** Evaluated before the alerts of the group, so the alerts see this evaluation's values. */
  readonly recordingRules: readonly RecordingRule[];
  readonly alerts: readonly AlertRule[];
}

export interface GroupSpec {
  readonly area: AlertArea;
  /** Set when a rule counts evaluations (a sum over time of a recorded 0/1 series times the interval). */
  readonly intervalSeconds?: number;
  readonly recordingRules?: readonly RecordingRule[];
  readonly alerts: readonly AlertSpec[];
}

const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** The one transform: labels (severity, service) and annotations (runbook link from the name). */
export const buildAlert = (area: AlertArea, spec: AlertSpec, runbookBaseUrl?: string): AlertRule => {
  if (!ALERT_NAME.test(spec.name)) throw new Error(`alert name ${spec.name} must be UpperCamelCase (it names the runbook file)`);
  if (!Number.isInteger(spec.forSeconds) || spec.forSeconds < 0) throw new Error(`alert ${spec.name}: forSeconds must be a whole number >= 0, got ${spec.forSeconds}`);
  for (const reserved of ["severity", "alertname"]) {
    if (spec.labels && reserved in spec.labels) throw new Error(`alert ${spec.name}: label ${reserved} is set by the catalogue, not by the spec`);
  }
  const staticService: Record<string, string> = spec.service !== undefined && spec.service !== "by-series" ? { service: spec.service } : {};
  return {
    name: spec.name,
    area,
    severity: spec.severity,
    ...(spec.service !== undefined ? { service: spec.service } : {}),
    expr: spec.expr,
    forSeconds: spec.forSeconds,
    conditionLagSeconds: spec.conditionLagSeconds ?? 0,
    labels: { severity: spec.severity, ...staticService, ...spec.labels },
    requires: spec.requires ?? [],
    annotations: { summary: spec.summary, description: spec.description, runbook_url: runbookUrl(spec.name, runbookBaseUrl) },
  };
};

export const buildGroup = (spec: GroupSpec, runbookBaseUrl?: string): RuleGroup => ({
  name: `titan-${spec.area}`,
  area: spec.area,
  ...(spec.intervalSeconds !== undefined ? { intervalSeconds: spec.intervalSeconds } : {}),
  recordingRules: spec.recordingRules ?? [],
  alerts: spec.alerts.map((a) => buildAlert(spec.area, a, runbookBaseUrl)),
});
