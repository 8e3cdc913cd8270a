// PromQL helpers for the dashboards: a few builders so every panel spells rates, quantiles and
// per-service unions the same way, and a small reader that finds the metric names and label matchers
// an expression uses (the tests check them against what the services and exporters really export).
import { SERVICES, type ServiceName } from "../../ops/index.js";

/** Grafana's rate window: at least four scrapes, so a rate never spans a single sample. */
export const RATE_INTERVAL = "$__rate_interval";

/** The services that serve /metrics (ai-quant is a job and pushes to the Pushgateway). */
export const SCRAPED_SERVICES: readonly ServiceName[] = Object.values(SERVICES)
  .filter((s) => s.httpPort !== null)
  .map((s) => s.name);

/** `service=~"brain|execution|…"`: every scraped service. */
export const scrapedServicesMatcher = (): string => `service=~"${SCRAPED_SERVICES.join("|")}"`;

export const rate = (selector: string, window = RATE_INTERVAL): string => `rate(${selector}[${window}])`;
export const increase = (selector: string, window: string): string => `increase(${selector}[${window}])`;

/** `sum by (labels) (inner)`; no labels gives a plain `sum(inner)`. */
export const sumBy = (labels: readonly string[], inner: string): string => (labels.length === 0 ? `sum(${inner})` : `sum by (${labels.join(", ")}) (${inner})`);

/** A quantile of a histogram, keeping `labels` apart: `histogram_quantile(q, sum by (le, …) (rate(x_bucket[w])))`. */
export const histogramQuantile = (quantile: number, histogram: string, opts: { by?: readonly string[]; matchers?: string; window?: string } = {}): string => {
  if (!(quantile > 0 && quantile < 1)) throw new Error(`histogramQuantile: quantile must be inside (0, 1), got ${quantile}`);
  const selector = `${histogram}_bucket${opts.matchers ? `{${opts.matchers}}` : ""}`;
  return `histogram_quantile(${quantile}, ${sumBy(["le", ...(opts.by ?? [])], rate(selector, opts.window))})`;
};

/** Mean of a histogram over the window: sum of the observations over their count. */
export const histogramMean = (histogram: string, opts: { by?: readonly string[]; matchers?: string; window?: string } = {}): string => {
  const m = opts.matchers ? `{${opts.matchers}}` : "";
  return `${sumBy(opts.by ?? [], rate(`${histogram}_sum${m}`, opts.window))} / ${sumBy(opts.by ?? [], rate(`${histogram}_count${m}`, opts.window))}`;
};

/** The per-service metric `titan_<service>_<what>`. */
export const serviceMetric = (service: ServiceName, what: string): string => `titan_${service.replace(/-/g, "_")}_${what}`;

/**
 * One expression over the same metric of several services, as a union (`a or b or …`): each service's
 * series keep their `service` label, and a service with no samples yet does not empty the result.
 * Names stay explicit so a reader (and the tests) can see every metric a panel reads.
 */
export const acrossServices = (services: readonly ServiceName[], what: string, wrap: (metric: string) => string): string => {
  if (services.length === 0) throw new Error(`acrossServices(${what}): no services`);
  return services.map((s) => wrap(serviceMetric(s, what))).join(" or ");
};

/** Values a Grafana variable stands for when an expression is sent to Prometheus outside Grafana. */
export const GRAFANA_VARIABLE_DEFAULTS: Readonly<Record<string, string>> = {
  __rate_interval: "1m", // four 15 s scrapes, what Grafana computes for the local stack
  __interval: "15s",
  __range: "1h",
  service: ".+",
  instance: ".+",
};

/** Replaces `$name` / `${name}` with its value; an unknown variable is an error, never left in place. */
export const expandGrafanaVariables = (expr: string, values: Readonly<Record<string, string>> = GRAFANA_VARIABLE_DEFAULTS): string =>
  expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = values[name];
    if (value === undefined) throw new Error(`unknown Grafana variable $${name} in: ${expr}`);
    return value;
  });

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2"]);

/** The expression without string literals, so quotes inside values cannot confuse the readers below. */
const withoutStrings = (expr: string): string => expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');

/**
 * Every metric name an expression reads, in order of first use. Names must be explicit: a selector
 * without a name (`{__name__=~…}`) is refused, because nobody could tell which series it needs.
 */
export const metricNamesIn = (expr: string): string[] => {
  if (/__name__/.test(expr)) throw new Error(`select metrics by name, not by __name__: ${expr}`);
  const text = withoutStrings(expr)
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ") // grouping label lists
    .replace(/\[[^\]]*\]/g, " "); // ranges and subqueries
  const names: string[] = [];
  const token = /(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[a-zA-Z]*)|([a-zA-Z_:][a-zA-Z0-9_:]*)|(\S)/g;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    const ident = m[2];
    if (ident === undefined) continue;
    const rest = text.slice(token.lastIndex);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation
    if (KEYWORDS.has(ident.toLowerCase())) continue;
    if (!names.includes(ident)) names.push(ident);
  }
  return names;
};

export interface LabelMatcher {
  readonly label: string;
  readonly op: "=" | "!=" | "=~" | "!~";
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
}

/** Every `name{…}` selector with its label matchers (selectors without braces have none). */
export const selectorsIn = (expr: string): Selector[] => {
  const selectors: Selector[] = [];
  const selector = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/g;
  for (let m = selector.exec(expr); m !== null; m = selector.exec(expr)) {
    const matchers: LabelMatcher[] = [];
    const matcher = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
    for (let l = matcher.exec(m[2] as string); l !== null; l = matcher.exec(m[2] as string)) {
      matchers.push({ label: l[1] as string, op: l[2] as LabelMatcher["op"], value: l[3] as string });
    }
    selectors.push({ metric: m[1] as string, matchers });
  }
  return selectors;
};

/** Labels named in `by`, `without`, `on` and `ignoring` clauses and in `group_left/right`. */
export const groupingLabelsIn = (expr: string): string[] => {
  const labels = new Set<string>();
  const clause = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
  const text = withoutStrings(expr);
  for (let m = clause.exec(text); m !== null; m = clause.exec(text)) {
    for (const label of (m[2] as string).split(",").map((s) => s.trim()).filter(Boolean)) labels.add(label);
  }
  return [...labels];
};
