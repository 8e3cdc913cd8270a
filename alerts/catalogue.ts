// The catalogue: every rule group, in the order the files are rendered. One source for the plain
// rule files, the PrometheusRule objects, the promtool tests' subjects and the runbooks.
import { appliesTo, type Deployment } from "./deployments.js";
import { BACKUPS_GROUP } from "./groups/backups.js";
import { CAPACITY_GROUP } from "./groups/capacity.js";
import { INCIDENTS_GROUP } from "./groups/incidents.js";
import { JOBS_GROUP } from "./groups/jobs.js";
import { KPIS_GROUP } from "./groups/kpis.js";
import { SECURITY_GROUP } from "./groups/security.js";
import { SERVICES_GROUP } from "./groups/services.js";
import { STACK_GROUP } from "./groups/stack.js";
import { TRADING_GROUP } from "./groups/trading.js";
import { WATCHDOG_GROUP } from "./groups/watchdog.js";
import { buildGroup, type AlertRule, type GroupSpec, type RuleGroup } from "./model.js";

export const GROUP_SPECS: readonly GroupSpec[] = [
  SERVICES_GROUP, TRADING_GROUP, KPIS_GROUP, SECURITY_GROUP, CAPACITY_GROUP, STACK_GROUP, BACKUPS_GROUP, JOBS_GROUP, INCIDENTS_GROUP, WATCHDOG_GROUP,
];

/**
 * The groups with every runbook link under `runbookBaseUrl` (default: DEFAULT_RUNBOOK_BASE_URL), holding
 * the alerts that apply to `deployment` (default: the local stack, which has every capability). A group
 * left with no rule at all is left out.
 */
export const buildRuleGroups = (runbookBaseUrl?: string, deployment: Deployment = "local"): RuleGroup[] => {
  const groups = GROUP_SPECS.map((spec) => buildGroup(spec, runbookBaseUrl));
  const seen = new Map<string, string>();
  for (const group of groups) {
    for (const alert of group.alerts) {
      const other = seen.get(alert.name);
      if (other) throw new Error(`alert ${alert.name} is defined in both ${other} and ${group.name}`);
      seen.set(alert.name, group.name);
    }
  }
  return groups
    .map((group) => ({ ...group, alerts: group.alerts.filter((alert) => appliesTo(alert, deployment)) }))
    .filter((group) => group.alerts.length > 0 || group.recordingRules.length > 0);
};

export const ALERT_RULE_GROUPS: readonly RuleGroup[] = buildRuleGroups();

export const allAlerts = (runbookBaseUrl?: string): AlertRule[] =>
  (runbookBaseUrl === undefined ? ALERT_RULE_GROUPS : buildRuleGroups(runbookBaseUrl)).flatMap((g) => g.alerts);

export const alertNames = (): string[] => allAlerts().map((a) => a.name);
