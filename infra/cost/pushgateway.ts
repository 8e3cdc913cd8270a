// The estimate as Prometheus gauges, pushed to the Pushgateway (job titan-cost, one group per stack)
// so Grafana's cost dashboard (dashboards/cost.ts) can show it: Prometheus has no cost metric of its
// own, and the estimate changes only when the infrastructure or the prices do. The exposition text is
// pure; pushing is the adapter.
import type { Estimate } from "./estimate.js";
import type { Findings } from "./recommendations/index.js";

export const COST_JOB = "titan-cost";

/** Metric names the cost dashboard reads; pushed by `npm run cost -- --push <url>`. */
export const COST_METRICS = {
  total: "titan_cost_monthly_usd",
  unverified: "titan_cost_unverified_monthly_usd",
  component: "titan_cost_component_monthly_usd",
  service: "titan_cost_service_monthly_usd",
  saving: "titan_cost_recommended_saving_monthly_usd",
  timestamp: "titan_cost_estimate_timestamp_seconds",
} as const;

const escape = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (pairs: Record<string, string>): string => `{${Object.entries(pairs).map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
const value = (n: number): string => String(Math.round(n * 10_000) / 10_000);

/** Prometheus text exposition of one stack's estimate; `nowSeconds` comes from the caller's clock. */
export function costExposition(estimate: Estimate, findings: Findings, nowSeconds: number): string {
  const stack = { stack: estimate.stack };
  const gauge = (name: string, help: string, samples: readonly [Record<string, string>, number][]) =>
    [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${labels(l)} ${value(v)}`)].join("\n");
  return `${[
    gauge(COST_METRICS.total, "Estimated monthly cost of the stack in USD (infra/cost).", [[stack, estimate.monthlyUsd]]),
    gauge(COST_METRICS.unverified, "Part of the estimate priced with prices not yet verified, USD a month.", [[stack, estimate.unverifiedMonthlyUsd]]),
    gauge(COST_METRICS.component, "Estimated monthly cost of each top-level component in USD.", estimate.byComponent.map((c) => [{ ...stack, component: c.component }, c.monthlyUsd])),
    gauge(COST_METRICS.service, "Each service's share of the node capacity it requests, USD a month.", estimate.allocation.services.map((s) => [{ ...stack, service: s.service }, s.monthlyUsd])),
    gauge(COST_METRICS.saving, "Monthly saving of all cost recommendations together, USD (they overlap).", [[stack, findings.recommendations.reduce((s, r) => s + r.monthlySavingUsd, 0)]]),
    gauge(COST_METRICS.timestamp, "When this estimate was pushed, Unix seconds.", [[stack, nowSeconds]]),
  ].join("\n")}\n`;
}

/** Replaces the stack's group on the Pushgateway (PUT), so components that disappeared disappear. */
export async function pushEstimate(baseUrl: string, estimate: Estimate, findings: Findings, nowSeconds: number, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = new URL(`metrics/job/${COST_JOB}/stack/${encodeURIComponent(estimate.stack)}`, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  const response = await fetchImpl(url, { method: "PUT", body: costExposition(estimate, findings, nowSeconds), headers: { "content-type": "text/plain; version=0.0.4" }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Pushgateway ${url.href} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return url.href;
}
