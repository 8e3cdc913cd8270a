// What the overview and the alerts page read from the monitoring stack: the health of every service,
// each KPI against its target (the dashboards' own PromQL, evaluated by Prometheus) and Alertmanager's
// active alerts.
import { KPI_LIST, meetsKpi, type Kpi } from "../../../ops/index.js";
import { KPI_QUERIES } from "../../../dashboards/kpi-queries.js";
import { callUpstream, UpstreamUnavailable } from "./upstream.js";

export interface ServiceHealth {
  readonly service: string;
  readonly status: "ok" | "fail" | "unreachable";
  readonly detail: string | null;
}

export const serviceHealth = async (services: Readonly<Record<string, string>>, timeoutMs: number): Promise<ServiceHealth[]> =>
  Promise.all(
    Object.entries(services).map(async ([service, url]): Promise<ServiceHealth> => {
      try {
        const a = await callUpstream(service, url, { method: "GET", path: "/health/ready", token: null, timeoutMs });
        const checks = (a.body as { checks?: Record<string, { status: string }> } | null)?.checks ?? {};
        const failing = Object.entries(checks).filter(([, c]) => c.status !== "ok").map(([name]) => name);
        return { service, status: a.status === 200 ? "ok" : "fail", detail: failing.length > 0 ? `failing: ${failing.join(", ")}` : a.status === 200 ? null : `HTTP ${a.status}` };
      } catch (err) {
        return { service, status: "unreachable", detail: err instanceof UpstreamUnavailable ? err.message : String(err) };
      }
    }),
  );

export interface KpiReading {
  readonly id: string;
  readonly title: string;
  readonly unit: Kpi["unit"];
  readonly bound: Kpi["bound"];
  readonly threshold: number;
  /** Null when Prometheus has no sample (too early, or the metric's source is not running). */
  readonly value: number | null;
  readonly meets: boolean | null;
  readonly how: string;
}

const instantValues = async (prometheusUrl: string, expr: string, timeoutMs: number): Promise<number[]> => {
  const a = await callUpstream("prometheus", prometheusUrl, { method: "GET", path: `/api/v1/query?query=${encodeURIComponent(expr)}`, token: null, timeoutMs });
  const result = (a.body as { data?: { result?: Array<{ value?: [number, string] }> } } | null)?.data?.result ?? [];
  return result.map((r) => Number(r.value?.[1])).filter((v) => Number.isFinite(v));
};

/** Each KPI with its current value; a KPI measured per series (uptime per service) reads its worst. */
export const readKpis = async (prometheusUrl: string, timeoutMs: number): Promise<KpiReading[]> =>
  Promise.all(
    KPI_LIST.map(async (kpi): Promise<KpiReading> => {
      const query = KPI_QUERIES[kpi.id];
      let value: number | null = null;
      try {
        const values = await instantValues(prometheusUrl, query.expr, timeoutMs);
        if (values.length > 0) value = kpi.bound === "min" ? Math.min(...values) : Math.max(...values);
      } catch {
        value = null;
      }
      return { id: kpi.id, title: kpi.title, unit: kpi.unit, bound: kpi.bound, threshold: kpi.threshold, value, meets: value === null ? null : meetsKpi(kpi, value), how: query.how };
    }),
  );

export interface AlertView {
  readonly name: string;
  readonly severity: string;
  readonly state: string;
  readonly summary: string;
  readonly description: string;
  readonly runbookUrl: string | null;
  readonly startsAtMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: string };
}

export const activeAlerts = async (alertmanagerUrl: string, timeoutMs: number): Promise<AlertView[]> => {
  const a = await callUpstream("alertmanager", alertmanagerUrl, { method: "GET", path: "/api/v2/alerts?active=true", token: null, timeoutMs });
  if (a.status !== 200 || !Array.isArray(a.body)) throw new UpstreamUnavailable("alertmanager", `HTTP ${a.status}`);
  return (a.body as AmAlert[])
    .map((al) => ({
      name: al.labels.alertname ?? "(unnamed)",
      severity: al.labels.severity ?? "none",
      state: al.status.state,
      summary: al.annotations.summary ?? "",
      description: al.annotations.description ?? "",
      runbookUrl: al.annotations.runbook_url ?? null,
      startsAtMs: Date.parse(al.startsAt),
      labels: al.labels,
    }))
    .sort((x, y) => (x.severity === y.severity ? y.startsAtMs - x.startsAtMs : x.severity === "critical" ? -1 : y.severity === "critical" ? 1 : x.severity.localeCompare(y.severity)));
};
