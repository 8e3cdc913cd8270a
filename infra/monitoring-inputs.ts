// What the monitoring component provisions from the rest of the repository: the alert rules and the
// Alertmanager routing of alerts/, and the dashboards of dashboards/. One module, so the program
// (index.ts) and the offline synth load the same.
import { alertmanagerConfig, prometheusRuleObjects } from "../alerts/index.js";
import { DEFAULT_DATASOURCE_UID, buildCostDashboard, buildDashboards } from "../dashboards/index.js";
import type { StackName } from "./config.js";
import type { Dashboard } from "./k8s/monitoring.js";

export interface MonitoringInputs {
  readonly datasourceUid: string;
  readonly dashboards: readonly Dashboard[];
  /**
   * PrometheusRule objects for a namespace (kube-prometheus-stack selects them in every namespace),
   * holding the alerts that apply to the stack: prod leaves out those of parts it does not run itself.
   */
  readonly alertRules: (namespace: string, stack: StackName) => readonly object[];
  readonly alertmanagerConfig: Record<string, unknown> | undefined;
}

export function monitoringInputs(): MonitoringInputs {
  return {
    datasourceUid: DEFAULT_DATASOURCE_UID,
    // The cost dashboard reads what `npm run cost -- --push` sends to the Pushgateway (infra/cost/README.md).
    dashboards: [...buildDashboards({ datasourceUid: DEFAULT_DATASOURCE_UID }), buildCostDashboard({ datasourceUid: DEFAULT_DATASOURCE_UID })],
    alertRules: (namespace, stack) => prometheusRuleObjects({ namespace, deployment: stack }),
    // Routing and timings from alerts/; receivers' integrations (pager keys) are added per stack when
    // their secrets exist, until then every receiver delivers nowhere.
    alertmanagerConfig: alertmanagerConfig(),
  };
}
