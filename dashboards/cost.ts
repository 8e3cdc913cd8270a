// Cost: the infrastructure estimate of infra/cost per stack, component and service, its recommended
// savings and how old it is. Prometheus has no cost metric of its own: `npm run cost -- --push <url>`
// pushes the estimate to the Pushgateway (job titan-cost), and these panels read those gauges. The
// figures are an estimate of the synthesised graph at list prices, not the AWS bill.
import { DAY_SECONDS } from "../ops/index.js";
import { COST_METRICS } from "../infra/cost/pushgateway.js";
import { buildDashboard } from "./lib/build.js";
import { COLORS, type DashboardSpec, type RowSpec } from "./lib/spec.js";

export const COST_DASHBOARD_UID = "titan-cost";
const STACK = 'stack=~"$stack"';
/** An estimate older than a week probably misses a deployment: someone forgot the push. */
const STALE_AFTER_SECONDS = 7 * DAY_SECONDS;
const PUSHED_BY = "Pushed by `npm run cost -- --stack <stack> --push <pushgateway>` after each deployment (infra/cost/README.md).";

const summaryRow: RowSpec = {
  title: "Estimate",
  panels: [
    {
      kind: "stat",
      title: "Estimated monthly cost",
      description: `The stack's estimated monthly cost at on-demand list prices (infra/cost/prices.ts) and the usage of infra/cost/usage/<stack>.yaml. ${PUSHED_BY}`,
      unit: "currencyUSD",
      targets: [{ expr: `sum by (stack) (${COST_METRICS.total}{${STACK}})`, legend: "{{stack}}", instant: true }],
      showName: true,
      decimals: 0,
      width: 6,
    },
    {
      kind: "stat",
      title: "At unverified prices",
      description: "The part of the estimate priced with prices marked unverified in infra/cost/prices.ts: check those first.",
      unit: "currencyUSD",
      targets: [{ expr: `sum by (stack) (${COST_METRICS.unverified}{${STACK}})`, legend: "{{stack}}", instant: true }],
      showName: true,
      decimals: 0,
      width: 6,
    },
    {
      kind: "stat",
      title: "Recommended savings",
      description: "All cost recommendations together, a month (they overlap: a commitment shrinks when another saving lands). The list with assumptions and trade-offs is build/cost/<stack>.md.",
      unit: "currencyUSD",
      targets: [{ expr: `sum by (stack) (${COST_METRICS.saving}{${STACK}})`, legend: "{{stack}}", instant: true }],
      showName: true,
      decimals: 0,
      width: 6,
    },
    {
      kind: "stat",
      title: "Estimate age",
      description: `Time since the estimate was pushed; orange after ${STALE_AFTER_SECONDS / DAY_SECONDS} days, when a deployment has probably changed the stack since.`,
      unit: "s",
      targets: [{ expr: `time() - max by (stack) (${COST_METRICS.timestamp}{${STACK}})`, legend: "{{stack}}", instant: true }],
      thresholds: [{ value: null, color: COLORS.ok }, { value: STALE_AFTER_SECONDS, color: COLORS.warn }],
      showName: true,
      width: 6,
    },
  ],
};

const breakdownRow: RowSpec = {
  title: "Breakdown",
  panels: [
    {
      kind: "table",
      title: "By component",
      description: "Monthly cost of each top-level component of the Pulumi program (network, cluster, database, ...).",
      unit: "currencyUSD",
      targets: [{ expr: `sort_desc(sum by (stack, component) (${COST_METRICS.component}{${STACK}}))` }],
      decimals: 2,
      width: 12,
      height: 10,
    },
    {
      kind: "table",
      title: "By service",
      description: "Each service's share of the node capacity its pods request (CPU and memory), a month. Platform pods and unrequested capacity are the rest of the node cost.",
      unit: "currencyUSD",
      targets: [{ expr: `sort_desc(sum by (stack, service) (${COST_METRICS.service}{${STACK}}))` }],
      decimals: 2,
      width: 12,
      height: 10,
    },
  ],
};

const historyRow: RowSpec = {
  title: "History",
  panels: [
    {
      kind: "timeseries",
      title: "Estimated monthly cost over time",
      description: "The estimate as each push left it: a step is a deployment (or a price change) moving the monthly cost.",
      unit: "currencyUSD",
      targets: [{ expr: `sum by (stack) (${COST_METRICS.total}{${STACK}})`, legend: "{{stack}}" }],
      min: 0,
      width: 24,
    },
  ],
};

export const costDashboard = (): DashboardSpec => ({
  uid: COST_DASHBOARD_UID,
  title: "Titan / Cost",
  description: "Estimated monthly infrastructure cost per stack, component and service, from infra/cost (an estimate at list prices, not the bill).",
  tags: ["cost"],
  variables: [{ name: "stack", label: "Stack", query: `label_values(${COST_METRICS.total}, stack)` }],
  rows: [summaryRow, breakdownRow, historyRow],
});

/** The cost dashboard as Grafana JSON, for provisioning beside the others. */
export const buildCostDashboard = (opts: { readonly datasourceUid: string }) => ({
  uid: COST_DASHBOARD_UID,
  title: costDashboard().title,
  json: JSON.parse(JSON.stringify(buildDashboard(costDashboard(), opts))) as ReturnType<typeof buildDashboard>,
});
