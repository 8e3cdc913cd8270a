// The dashboards as Grafana JSON, their queries, and the metrics they read. The infrastructure
// provisions buildDashboards(); the tests and the end-to-end check read dashboardQueries().
import type { Dashboard, Panel, RowPanel } from "@grafana/grafana-foundation-sdk/dashboard";
import type { BrainParameters } from "../services/brain/domain/brain-parameters.js";
import { brainDashboard } from "./brain.js";
import { capacityDashboard } from "./capacity.js";
import { executionDashboard } from "./execution.js";
import { buildDashboard } from "./lib/build.js";
import { expandGrafanaVariables, metricNamesIn } from "./lib/promql.js";
import type { DashboardSpec } from "./lib/spec.js";
import { overviewDashboard } from "./overview.js";
import { scavengerDashboard } from "./scavenger.js";
import { tradingDashboard } from "./trading.js";

export { PENDING_METRICS, isPendingMetric, type PendingMetric } from "../alerts/pending-metrics.js";
export { COST_DASHBOARD_UID, buildCostDashboard, costDashboard } from "./cost.js"; // not in buildDashboards(): fed by the cost CLI's Pushgateway push (infra/cost/README.md)
export { KPI_QUERIES } from "./kpi-queries.js";
export { expandGrafanaVariables, GRAFANA_VARIABLE_DEFAULTS, metricNamesIn } from "./lib/promql.js";

/** The Prometheus datasource uid the dashboards use unless told otherwise; provision Grafana's datasource with it. */
export const DEFAULT_DATASOURCE_UID = "titan-prometheus";

export interface BuildOptions {
  /** Uid of the Grafana Prometheus datasource every panel and query names. */
  readonly datasourceUid?: string;
  /** The brain's deployed parameters, for the breaker limits drawn on the trading dashboard. */
  readonly brainParameters?: BrainParameters;
}

export interface BuiltDashboard {
  readonly uid: string;
  readonly title: string;
  readonly json: Dashboard;
}

export const dashboardSpecs = (opts: BuildOptions = {}): DashboardSpec[] => [
  overviewDashboard(),
  tradingDashboard(opts.brainParameters),
  brainDashboard(),
  executionDashboard(),
  scavengerDashboard(),
  capacityDashboard(),
];

const DATASOURCE_UID = /^[a-zA-Z0-9_-]{1,40}$/;

export const buildDashboards = (opts: BuildOptions = {}): BuiltDashboard[] => {
  const datasourceUid = opts.datasourceUid ?? DEFAULT_DATASOURCE_UID;
  if (!DATASOURCE_UID.test(datasourceUid)) throw new Error(`datasource uid "${datasourceUid}" must be 1-40 letters, digits, '-' or '_'`);
  // A JSON round trip leaves plain data: the SDK's objects carry marker methods that JSON drops anyway.
  const built = dashboardSpecs(opts).map((spec) => ({ uid: spec.uid, title: spec.title, json: JSON.parse(JSON.stringify(buildDashboard(spec, { datasourceUid }))) as Dashboard }));
  const seen = new Set<string>();
  for (const d of built) {
    if (seen.has(d.uid)) throw new Error(`two dashboards share the uid ${d.uid}`);
    seen.add(d.uid);
  }
  return built;
};

const isRow = (panel: Panel | RowPanel): panel is RowPanel => panel.type === "row";

/** Every panel that is not a row, in order. */
export const panelsOf = (dashboard: Dashboard): Panel[] => (dashboard.panels ?? []).filter((p): p is Panel => !isRow(p));

export interface DashboardQuery {
  readonly dashboardUid: string;
  readonly panelTitle: string;
  /** The query ready for Prometheus: Grafana variables replaced by GRAFANA_VARIABLE_DEFAULTS. */
  readonly expr: string;
  /** The query as the dashboard holds it, Grafana variables included. */
  readonly grafanaExpr: string;
}

export const dashboardQueries = (opts: BuildOptions = {}): DashboardQuery[] =>
  buildDashboards(opts).flatMap((d) =>
    panelsOf(d.json).flatMap((panel) =>
      (panel.targets ?? []).map((target) => {
        const grafanaExpr = (target as { expr?: string }).expr ?? "";
        return { dashboardUid: d.uid, panelTitle: panel.title ?? "", expr: expandGrafanaVariables(grafanaExpr), grafanaExpr };
      }),
    ),
  );

export interface VariableQuery {
  readonly dashboardUid: string;
  readonly variable: string;
  /** The variable's `label_values(metric, label)` as the PromQL Prometheus answers it with. */
  readonly expr: string;
}

/** Template variables as PromQL: `label_values(m, l)` is `group by (l) (m)`. */
export const variableQueries = (opts: BuildOptions = {}): VariableQuery[] =>
  buildDashboards(opts).flatMap((d) =>
    (d.json.templating?.list ?? []).map((v) => {
      const match = /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*([a-zA-Z_]\w*)\s*\)$/.exec(String(v.query ?? ""));
      if (!match) throw new Error(`${d.uid}: variable ${v.name} must be label_values(metric, label), got ${JSON.stringify(v.query)}`);
      return { dashboardUid: d.uid, variable: v.name, expr: `group by (${match[2]}) (${match[1]})` };
    }),
  );

/** Every series name the dashboards read (panels and variables), sorted; isPendingMetric tells those nothing emits yet. */
export const metricsReadByDashboards = (opts: BuildOptions = {}): string[] =>
  [...new Set([...dashboardQueries(opts), ...variableQueries(opts)].flatMap((q) => metricNamesIn(q.expr)))].sort();
