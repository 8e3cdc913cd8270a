// One prom-client registry per process. Names follow titan_<service>_<what>_<unit>, in base units.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { snakeName, type ServiceName } from "../../ops/services.js";

/**
 * One bucket set for every latency in the system: fine below a millisecond for the hot paths, with
 * exact edges at the seed's 100 ms (signal-latency KPI) and 200 ms (high-latency warning) thresholds.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10,
];

const METRIC_NAME = /^titan_[a-z0-9]+(_[a-z0-9]+)*_(seconds|bytes|total|ratio|usd|count|info|state|timestamp_seconds|messages|connections|trades|events|percent)$/;

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly prefix: string;
  /** Duration of every PostgreSQL statement, by statement name. */
  readonly dbStatementSeconds: Histogram<"statement" | "outcome">;
  /** Rejected authentication or authorisation attempts (the security-breach alert reads this). */
  readonly authFailuresTotal: Counter<"reason" | "route">;
  /** Build and identity, value 1. */
  readonly info: Gauge<"version" | "node">;

  constructor(readonly service: ServiceName, opts: { defaultMetrics?: boolean } = {}) {
    this.prefix = `titan_${snakeName(service)}_`;
    this.registry.setDefaultLabels({ service });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: this.prefix });
    this.dbStatementSeconds = this.histogram("db_statement_duration_seconds", "Duration of PostgreSQL statements", ["statement", "outcome"]);
    this.authFailuresTotal = this.counter("auth_failures_total", "Rejected authentication or authorisation attempts", ["reason", "route"]);
    this.info = this.gauge("build_info", "Build information, value 1", ["version", "node"]);
    this.info.set({ version: process.env.npm_package_version ?? "0.0.0", node: process.version }, 1);
  }

  /** Full metric name for `what`; throws if the result does not follow the naming rule. */
  name(what: string): string {
    const full = `${this.prefix}${what}`;
    if (!METRIC_NAME.test(full)) throw new Error(`metric name ${full} must be titan_<service>_<what>_<unit> in base units`);
    return full;
  }

  counter<L extends string>(what: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(what, () => new Counter<L>({ name: this.name(what), help, labelNames, registers: [this.registry] }));
  }

  gauge<L extends string>(what: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(what, () => new Gauge<L>({ name: this.name(what), help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string>(what: string, help: string, labelNames: readonly L[] = [], buckets: readonly number[] = LATENCY_BUCKETS_SECONDS): Histogram<L> {
    return this.getOrCreate(what, () => new Histogram<L>({ name: this.name(what), help, labelNames, buckets: [...buckets], registers: [this.registry] }));
  }

  private getOrCreate<M>(what: string, create: () => M): M {
    const existing = this.registry.getSingleMetric(`${this.prefix}${what}`);
    return (existing as M | undefined) ?? create();
  }
}
