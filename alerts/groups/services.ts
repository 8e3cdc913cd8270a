// The services and their datastores: a service down or gone from its scrape targets, memory against
// its limit, PostgreSQL and Redis unreachable. Seed: "System Down", "Database Failure", "Memory Usage".
import { ALERT_THRESHOLDS, SERVICE_CAPACITY, promDuration, snakeName } from "../../ops/index.js";
import { CORE_SERVICES, DATABASE_ERROR_WINDOW_SECONDS, OPTIONAL_SERVICES, SCRAPED_SERVICES, jobRegex } from "../config.js";
import { formatDuration, formatRatio } from "../format.js";
import type { GroupSpec, RecordingRule } from "../model.js";

export const SERVICE_ALERTS = {
  serviceDown: "TitanServiceDown",
  optionalServiceDown: "TitanOptionalServiceDown",
  serviceTargetMissing: "TitanServiceTargetMissing",
  serviceMemoryHigh: "TitanServiceMemoryHigh",
  serviceDatabaseErrors: "TitanServiceDatabaseErrors",
  databaseDown: "TitanDatabaseDown",
  redisDown: "TitanRedisDown",
} as const;

const BYTES_PER_MIB = 1024 * 1024;
const DB_WINDOW = promDuration(DATABASE_ERROR_WINDOW_SECONDS);

export const SERVICE_RECORDS = {
  memoryOfLimit: "service:titan_process_resident_memory_bytes:ratio_of_limit",
  dbStatementsRate: `service_outcome:titan_db_statements:rate${DB_WINDOW}`,
} as const;

const down = ALERT_THRESHOLDS.serviceDownForSeconds;
const database = ALERT_THRESHOLDS.databaseDown;
const memory = ALERT_THRESHOLDS.memoryUsedRatio;

// One rule per service under one record name; the static service label keeps them distinct.
const recordingRules: RecordingRule[] = SCRAPED_SERVICES.flatMap((service): RecordingRule[] => {
  const prefix = `titan_${snakeName(service)}`;
  const limitMiB = SERVICE_CAPACITY[service].memoryLimitMiB;
  return [
    {
      record: SERVICE_RECORDS.memoryOfLimit,
      expr: `${prefix}_process_resident_memory_bytes / ${limitMiB * BYTES_PER_MIB}`,
      labels: { service, memory_limit_mib: String(limitMiB) },
    },
    { record: SERVICE_RECORDS.dbStatementsRate, expr: `sum by (service, outcome) (rate(${prefix}_db_statement_duration_seconds_count[${DB_WINDOW}]))`, labels: { service } },
  ];
});

const absentTargets = CORE_SERVICES.map((s) => `absent(up{job="${s}"})`).join(" or ");

export const SERVICES_GROUP: GroupSpec = {
  area: "services",
  recordingRules,
  alerts: [
    {
      name: SERVICE_ALERTS.serviceDown,
      severity: "critical",
      service: "by-series",
      expr: `max by (job) (up{${jobRegex(CORE_SERVICES)}}) == 0`,
      forSeconds: down.forSeconds,
      labels: { service: "{{ $labels.job }}" },
      summary: "Core service {{ $labels.job }} is down",
      description: `No instance of {{ $labels.job }} has answered Prometheus's scrape for ${formatDuration(down.forSeconds)}. Without it trading cannot work normally (brain: no decisions; execution: no orders, no reconciliation; console: no operator view or emergency controls).`,
    },
    {
      name: SERVICE_ALERTS.optionalServiceDown,
      severity: "warning",
      service: "by-series",
      expr: `max by (job) (up{${jobRegex(OPTIONAL_SERVICES)}}) == 0`,
      forSeconds: down.forSeconds,
      labels: { service: "{{ $labels.job }}" },
      summary: "Optional service {{ $labels.job }} is down",
      description: `No instance of {{ $labels.job }} has answered Prometheus's scrape for ${formatDuration(down.forSeconds)}. The rest of the system keeps running, but its strategy produces no signals.`,
    },
    {
      name: SERVICE_ALERTS.serviceTargetMissing,
      severity: "critical",
      service: "by-series",
      expr: absentTargets,
      forSeconds: down.forSeconds,
      labels: { service: "{{ $labels.job }}" },
      summary: "Prometheus has no scrape target for {{ $labels.job }}",
      description: `Prometheus has had no target for job {{ $labels.job }} for ${formatDuration(down.forSeconds)}: the service is not deployed, or its scrape configuration lost it. Its alerts cannot fire while it is unseen.`,
    },
    {
      name: SERVICE_ALERTS.serviceMemoryHigh,
      severity: "warning",
      service: "by-series",
      expr: `${SERVICE_RECORDS.memoryOfLimit} > ${memory.value}`,
      forSeconds: memory.forSeconds,
      summary: "{{ $labels.service }} uses {{ $value | humanizePercentage }} of its memory limit",
      description: `{{ $labels.service }} ({{ $labels.instance }}) has held more than ${formatRatio(memory.value)} of its {{ $labels.memory_limit_mib }} MiB memory limit for ${formatDuration(memory.forSeconds)} (now {{ $value | humanizePercentage }}). At the limit the process is killed and restarted.`,
    },
    {
      name: SERVICE_ALERTS.serviceDatabaseErrors,
      severity: "critical",
      service: "by-series",
      expr: `sum by (service) (${SERVICE_RECORDS.dbStatementsRate}{outcome="error"}) > 0 unless on (service) ${SERVICE_RECORDS.dbStatementsRate}{outcome="ok"} > 0`,
      forSeconds: database.forSeconds,
      conditionLagSeconds: DATABASE_ERROR_WINDOW_SECONDS,
      summary: "{{ $labels.service }} cannot reach PostgreSQL",
      description: `Every PostgreSQL statement {{ $labels.service }} ran in the last ${DB_WINDOW} failed ({{ $value | printf "%.2f" }} errors/s, none succeeded), for ${formatDuration(database.forSeconds)}. The service cannot persist state; trading goes REDUCING or HALTED fail-closed.`,
    },
    {
      name: SERVICE_ALERTS.databaseDown,
      severity: "critical",
      expr: "pg_up == 0",
      forSeconds: database.forSeconds,
      summary: "PostgreSQL is unreachable",
      description: `The PostgreSQL exporter ({{ $labels.instance }}) has not been able to connect to PostgreSQL for ${formatDuration(database.forSeconds)}. PostgreSQL is the system of record: no service can persist state, trading goes HALTED fail-closed.`,
    },
    {
      name: SERVICE_ALERTS.redisDown,
      severity: "critical",
      expr: "redis_up == 0",
      forSeconds: database.forSeconds,
      summary: "Redis is unreachable",
      description: `The Redis exporter ({{ $labels.instance }}) has not been able to reach Redis for ${formatDuration(database.forSeconds)}. Redis carries every message between the services: no market data, signal or order command moves.`,
    },
  ],
};
