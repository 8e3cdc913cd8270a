// What really exists, to check dashboard queries against: the services' metrics, registered by the
// services' own factories, and the exporters' metrics, parsed from a scrape. A catalogue maps each
// series name (a histogram's `_bucket`, `_sum`, `_count`) to the labels it carries.
import type { Registry } from "prom-client";
import type { ServiceName } from "../../ops/index.js";
import { BrainMetrics } from "../../services/brain/adapters/brain-metrics.js";
import { executionMetrics } from "../../services/execution/adapters/execution-metrics.js";
import { marketDataMetrics } from "../../services/execution/market-data/metrics.js";
import { scavengerMetrics } from "../../services/scavenger/adapters/metrics.js";
import { consumerMetrics, relayMetrics } from "../../services/shared/messaging/messaging-metrics.js";
import { ServiceMetrics } from "../../services/shared/metrics.js";
import { backupRegistry } from "../../services/backup/adapters/metrics.js";
import { incidentMetrics } from "../../services/console/adapters/incident-metrics.js";
import { liveHubMetrics } from "../../services/console/adapters/live-hub.js";
import { groupingLabelsIn, metricNamesIn, selectorsIn } from "../lib/promql.js";

export type Catalogue = Map<string, Set<string>>;

/** Labels every scraped series carries: the scrape's own and the `service` target label of the stack. */
export const SCRAPE_LABELS: readonly string[] = ["instance", "job", "service"];

const add = (catalogue: Catalogue, series: string, labels: Iterable<string>): void => {
  const known = catalogue.get(series) ?? new Set<string>();
  for (const label of labels) known.add(label);
  catalogue.set(series, known);
};

const addRegistry = (catalogue: Catalogue, registry: Registry): void => {
  for (const metric of registry.getMetricsAsArray()) {
    const labels = [...((metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [])];
    if (String(metric.type) === "histogram") {
      add(catalogue, `${metric.name}_bucket`, [...labels, "le"]);
      add(catalogue, `${metric.name}_sum`, labels);
      add(catalogue, `${metric.name}_count`, labels);
    } else add(catalogue, metric.name, labels);
  }
};

/** Each service's registry wired as the service wires it (see each service's adapters and runtime). */
const WIRING: Readonly<Record<Exclude<ServiceName, "ai-quant">, (m: ServiceMetrics) => void>> = {
  brain: (m) => {
    new BrainMetrics(m);
    consumerMetrics(m);
    relayMetrics(m);
  },
  execution: (m) => {
    executionMetrics(m);
    marketDataMetrics(m);
    consumerMetrics(m);
    relayMetrics(m);
  },
  console: (m) => {
    liveHubMetrics(m);
    incidentMetrics(m);
    relayMetrics(m);
  },
  scavenger: (m) => {
    scavengerMetrics(m);
    relayMetrics(m);
  },
};

/**
 * The gauges the AI Quant job declares when a run ends and pushes to the Pushgateway
 * (services/ai-quant/job.ts declares them inline, so they are named here after it; the live test
 * checks that the running job really pushes them).
 */
const aiQuantJobRegistry = (): Registry => {
  const m = new ServiceMetrics("ai-quant", { defaultMetrics: false });
  m.gauge("last_run_timestamp_seconds", "When the last run finished");
  m.gauge("last_run_duration_seconds", "How long the last run took");
  m.gauge("last_run_outcome_state", "Outcome of the last run, 1 for the outcome it had", ["outcome"]);
  m.gauge("last_success_timestamp_seconds", "When a run last ended without failing");
  return m.registry;
};

export const serviceCatalogue = (): Catalogue => {
  const catalogue: Catalogue = new Map();
  for (const [service, wire] of Object.entries(WIRING) as [keyof typeof WIRING, (m: ServiceMetrics) => void][]) {
    const metrics = new ServiceMetrics(service);
    wire(metrics);
    addRegistry(catalogue, metrics.registry);
  }
  addRegistry(catalogue, backupRegistry()); // pushed by the backup jobs, scraped from the Pushgateway
  addRegistry(catalogue, aiQuantJobRegistry());
  return catalogue;
};

/** Series and their labels from Prometheus's text exposition format (one scrape of an exporter). */
export const parseExposition = (text: string): Catalogue => {
  const catalogue: Catalogue = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/.exec(line);
    if (!match) continue;
    const labels = [...(match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1] as string);
    add(catalogue, match[1] as string, labels);
  }
  return catalogue;
};

export interface QueryRef {
  readonly dashboardUid: string;
  readonly panelTitle: string;
  readonly expr: string;
}

/** Labels an expression makes up itself (`label_replace(v, "dst", …)`), which no metric carries. */
const createdLabels = (expr: string): string[] => [...expr.matchAll(/label_replace\([^"]*"([a-zA-Z_]\w*)"/g)].map((m) => m[1] as string);

/**
 * Problems of queries against a catalogue, for the metrics `inScope` selects: a metric that does not
 * exist, a matcher on a label the metric lacks, a grouping label none of the expression's metrics has.
 */
export const checkQueries = (catalogue: Catalogue, queries: readonly QueryRef[], inScope: (metric: string) => boolean): string[] => {
  const problems: string[] = [];
  for (const q of queries) {
    const where = `${q.dashboardUid} / ${q.panelTitle}`;
    const metrics = metricNamesIn(q.expr).filter(inScope);
    for (const metric of metrics.filter((m) => !catalogue.has(m))) problems.push(`${where}: no metric ${metric}`);
    for (const selector of selectorsIn(q.expr).filter((s) => metrics.includes(s.metric) && catalogue.has(s.metric))) {
      const labels = catalogue.get(selector.metric) as Set<string>;
      for (const m of selector.matchers.filter((m) => !labels.has(m.label) && !SCRAPE_LABELS.includes(m.label))) problems.push(`${where}: ${selector.metric} has no label ${m.label}`);
    }
    const known = metrics.filter((m) => catalogue.has(m));
    if (known.length === 0) continue;
    const available = new Set([...SCRAPE_LABELS, ...createdLabels(q.expr), ...known.flatMap((m) => [...(catalogue.get(m) as Set<string>)])]);
    for (const label of groupingLabelsIn(q.expr).filter((l) => !available.has(l))) problems.push(`${where}: groups by ${label}, which none of ${known.join(", ")} carries`);
  }
  return problems;
};
