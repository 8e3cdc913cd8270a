// Observed use for right-sizing: each service's p95 CPU and memory per pod, from Prometheus's HTTP API
// or from a saved copy of the same answers (what `--observed <url>` writes to build/cost/), and the
// VerticalPodAutoscaler's recommendations from `kubectl get vpa -A -o json`. Parsing is pure; only
// queryPrometheus does I/O.
import { SERVICE_NAMES, SERVICES } from "../../ops/index.js";
import { cpuCores, bytes } from "./quantities.js";

export interface ServiceUse {
  readonly cpuCoresP95?: number;
  readonly memoryBytesP95?: number;
}

export interface ObservedUsage {
  /** Where the figures came from (a Prometheus URL or a file), for the report. */
  readonly source: string;
  /** The range the p95 is over, e.g. 7d. */
  readonly window: string;
  readonly services: Readonly<Record<string, ServiceUse>>;
}

/** Prometheus's answers as saved: the queries and their raw JSON, so a run can be replayed offline. */
export interface SavedObserved {
  readonly window: string;
  readonly queries: { readonly cpu: string; readonly memory: string };
  readonly cpu: unknown;
  readonly memory: unknown;
}

/** Services that run as long-lived processes (a job has no steady series to size from). */
const SCRAPED = SERVICE_NAMES.filter((s) => SERVICES[s].httpPort !== null);
const metric = (service: string, what: string) => `titan_${service.replace(/-/g, "_")}_${what}`;
const SUBQUERY_STEP = "5m";

/** p95 over the window of each service's busiest pod: per-pod, because requests are per pod. */
export function observedQueries(window: string): { cpu: string; memory: string } {
  if (!/^\d+[smhdw]$/.test(window)) throw new Error(`observed window '${window}' must be a Prometheus duration such as 7d`);
  const union = (inner: (service: string) => string) => SCRAPED.map((s) => `quantile_over_time(0.95, (${inner(s)})[${window}:${SUBQUERY_STEP}])`).join(" or ");
  return {
    cpu: union((s) => `max by (service) (rate(${metric(s, "process_cpu_seconds_total")}[${SUBQUERY_STEP}]))`),
    memory: union((s) => `max by (service) (${metric(s, "process_resident_memory_bytes")})`),
  };
}

/** A /api/v1/query answer as service → value. */
function vectorByService(answer: unknown, what: string): Map<string, number> {
  const a = answer as { status?: string; data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] } } | null;
  if (a?.status !== "success" || a.data?.resultType !== "vector" || !Array.isArray(a.data.result)) {
    throw new Error(`${what}: not a successful Prometheus instant-vector answer (status ${JSON.stringify(a?.status)}, resultType ${JSON.stringify(a?.data?.resultType)})`);
  }
  const out = new Map<string, number>();
  for (const sample of a.data.result) {
    const service = sample.metric?.service;
    const value = Number(sample.value?.[1]);
    if (service === undefined) throw new Error(`${what}: a sample without a service label`);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${what}: ${service} has value ${JSON.stringify(sample.value?.[1])}`);
    out.set(service, value);
  }
  return out;
}

export function parseObserved(saved: unknown, source: string): ObservedUsage {
  const s = saved as Partial<SavedObserved> | null;
  if (!s || typeof s.window !== "string") throw new Error(`${source}: not a saved observation (needs window, queries, cpu, memory)`);
  const cpu = vectorByService(s.cpu, `${source} cpu`);
  const memory = vectorByService(s.memory, `${source} memory`);
  const services: Record<string, ServiceUse> = {};
  for (const service of new Set([...cpu.keys(), ...memory.keys()])) {
    services[service] = { ...(cpu.has(service) ? { cpuCoresP95: cpu.get(service) } : {}), ...(memory.has(service) ? { memoryBytesP95: memory.get(service) } : {}) };
  }
  return { source, window: s.window, services };
}

/** Asks Prometheus (base URL, e.g. http://127.0.0.1:9090) and returns the answers in the saved form. */
export async function queryPrometheus(baseUrl: string, window: string, fetchImpl: typeof fetch = fetch): Promise<SavedObserved> {
  const queries = observedQueries(window);
  const ask = async (query: string): Promise<unknown> => {
    const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    url.searchParams.set("query", query);
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`Prometheus at ${baseUrl} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return body;
  };
  const [cpu, memory] = await Promise.all([ask(queries.cpu), ask(queries.memory)]);
  return { window, queries, cpu, memory };
}

export interface VpaTarget {
  /** The workload the VPA targets (a Deployment named after its service). */
  readonly workload: string;
  readonly container: string;
  readonly cpuCores: number;
  readonly memoryBytes: number;
}

/** `kubectl get vpa -A -o json`: each container's target recommendation. */
export function parseVpaList(data: unknown, source: string): VpaTarget[] {
  const items = (data as { items?: unknown[] } | null)?.items;
  if (!Array.isArray(items)) throw new Error(`${source}: not a VerticalPodAutoscalerList (kubectl get vpa -A -o json)`);
  const out: VpaTarget[] = [];
  for (const item of items as { spec?: { targetRef?: { name?: string } }; status?: { recommendation?: { containerRecommendations?: { containerName?: string; target?: { cpu?: string; memory?: string } }[] } } }[]) {
    const workload = item.spec?.targetRef?.name;
    if (!workload) throw new Error(`${source}: a VPA without spec.targetRef.name`);
    for (const rec of item.status?.recommendation?.containerRecommendations ?? []) {
      if (!rec.target?.cpu || !rec.target.memory) continue; // not computed yet
      out.push({ workload, container: rec.containerName ?? workload, cpuCores: cpuCores(rec.target.cpu, `${source} ${workload}`), memoryBytes: bytes(rec.target.memory, `${source} ${workload}`) });
    }
  }
  return out;
}
