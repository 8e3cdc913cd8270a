// What the rules need besides ops/: the job names they select, and the few numbers the operations
// document leaves open. Each open number says why it is what it is; the lead may move them into ops/.
import { MINUTE_SECONDS, SERVICES, SERVICE_NAMES, type ServiceName } from "../ops/index.js";

/** Services Prometheus scrapes (ai-quant is a job: it pushes to the Pushgateway). Job name = service name. */
export const SCRAPED_SERVICES: readonly ServiceName[] = SERVICE_NAMES.filter((s) => SERVICES[s].httpPort !== null);

/** The seed's "core services" (critical and important): one of them down is a page. */
export const CORE_SERVICES: readonly ServiceName[] = SCRAPED_SERVICES.filter((s) => SERVICES[s].criticality !== "optional");

/** Scraped services the system can run without (the scavenger, "can be disabled"): down is a ticket. */
export const OPTIONAL_SERVICES: readonly ServiceName[] = SCRAPED_SERVICES.filter((s) => SERVICES[s].criticality === "optional");

/**
 * Job names of the monitoring stack's own parts, as the local stack scrapes them
 * (scripts/stack/prometheus.ts; a test keeps the two in step). Production scrape configs must use the same.
 */
export const STACK_JOBS = {
  nodeExporter: "node",
  postgresExporter: "postgres",
  redisExporter: "redis",
  pushgateway: "pushgateway",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
} as const;

/** `job=~"a|b"` for a list of jobs. */
export const jobRegex = (jobs: readonly string[]): string => {
  if (jobs.length === 0) throw new Error("jobRegex: no jobs");
  return `job=~"${jobs.join("|")}"`;
};

/** The seed's latency KPIs are 95th percentiles; ops/ names them p95 but has no field for the quantile. */
export const LATENCY_KPI_QUANTILE = 0.95;

/**
 * Window of a rate or increase where ops/ gives none (position mismatches, CPU, rule failures):
 * 20 scrapes at 15 s, so one lost scrape changes nothing, and a found problem stays visible that long.
 */
export const RATE_WINDOW_SECONDS = 5 * MINUTE_SECONDS;

/**
 * Window for "every statement of a service fails": short, because the alert can only turn true once
 * the last good statement has left it, and that delay counts against the 5-minute MTTD.
 */
export const DATABASE_ERROR_WINDOW_SECONDS = MINUTE_SECONDS;

/**
 * `for` of the monitoring stack's own warnings (exporter, Pushgateway, reloads, rule failures): a
 * restart or a fixed typo within 5 minutes is not worth a ticket.
 */
export const STACK_COMPONENT_FOR_SECONDS = 5 * MINUTE_SECONDS;

/** Filesystems that are not disks: memory-backed or read-only images. */
export const NON_DISK_FSTYPES = "tmpfs|ramfs|squashfs|nsfs|overlay";

/**
 * `for` of the exchange API key's age past the rotation period: the age only grows, so this only
 * rides out a wrong creation time reported for a moment; short beside a rotation period of months.
 */
export const API_KEY_AGE_FOR_SECONDS = 15 * MINUTE_SECONDS;

/**
 * Evaluation interval of the incident rules: they count evaluations (time with a page open = open
 * evaluations × this interval), so the group fixes its own interval instead of relying on each
 * Prometheus's global one (15 s locally, 30 s in kube-prometheus-stack by default).
 */
export const INCIDENT_EVALUATION_SECONDS = 30;
