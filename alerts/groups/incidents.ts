// MTTR from Prometheus's own alert state. An incident is a period during which at least one critical
// alert (a page) fires: it is detected when the first page fires and recovered when the last one
// resolves. Concurrent pages are one incident; a page silenced in Alertmanager still counts, because
// silencing is not recovery. MTTD cannot be derived this way: Prometheus knows when an alert fired,
// never when the fault began (alerts/README.md, "MTTD and MTTR").
import { ALERT_THRESHOLDS, KPIS, promDuration } from "../../ops/index.js";
import { INCIDENT_EVALUATION_SECONDS } from "../config.js";
import { formatDuration } from "../format.js";
import type { GroupSpec } from "../model.js";

const mttr = KPIS.meanTimeToRecovery;
const WINDOW = promDuration(mttr.windowSeconds);

export const INCIDENT_RECORDS = {
  /** 1 while any critical alert fires, else 0: a series without gaps, one sample per evaluation. */
  open: "titan:incident_open:bool",
  /** Seconds with an incident open in the KPI window: open evaluations × the group's interval. */
  openSeconds: `titan:incident_open_seconds:sum${WINDOW}`,
  /** Incidents that overlap the KPI window, one already open when it starts included. */
  count: `titan:incidents:count${WINDOW}`,
  /** Mean time from the first page to the last page's resolution; absent while the window holds no incident. */
  meanRecoverySeconds: `titan:incident_recovery_seconds:mean${WINDOW}`,
} as const;

export const INCIDENT_ALERTS = {
  mttrAboveKpi: "TitanMeanTimeToRecoveryAboveKpi",
} as const;

const r = INCIDENT_RECORDS;

export const INCIDENTS_GROUP: GroupSpec = {
  area: "incidents",
  intervalSeconds: INCIDENT_EVALUATION_SECONDS,
  recordingRules: [
    { record: r.open, expr: 'max(ALERTS{alertstate="firing", severity="critical"}) or vector(0)' },
    { record: r.openSeconds, expr: `sum_over_time(${r.open}[${WINDOW}]) * ${INCIDENT_EVALUATION_SECONDS}` },
    // Episodes overlapping the window = (changes + first + last) / 2; the first sample is unknown to
    // PromQL 2.x, and ceil((changes + last) / 2) equals that sum for either value of it.
    { record: r.count, expr: `ceil((changes(${r.open}[${WINDOW}]) + ${r.open}) / 2)` },
    { record: r.meanRecoverySeconds, expr: `${r.openSeconds} / (${r.count} > 0)` },
  ],
  alerts: [
    {
      name: INCIDENT_ALERTS.mttrAboveKpi,
      severity: "info",
      expr: `${r.meanRecoverySeconds} > ${mttr.threshold}`,
      forSeconds: ALERT_THRESHOLDS.kpiBreachForSeconds.forSeconds,
      summary: "Mean time to recovery is {{ $value | humanizeDuration }} over the last " + WINDOW,
      description: `Incidents (periods with at least one page firing) took {{ $value | humanizeDuration }} on average from the first page to the last one resolving, over the last ${WINDOW}, above the KPI of ${formatDuration(mttr.threshold)}. KPI: ${mttr.title}.`,
    },
  ],
};
