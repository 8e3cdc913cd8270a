// The capacity dashboard's PostgreSQL and Redis rows, read from the postgres and redis exporters.
import { RECOVERY_POINT_OBJECTIVES } from "../ops/index.js";
import { duration } from "./lib/format.js";
import { rate, sumBy } from "./lib/promql.js";
import { COLORS, type RowSpec } from "./lib/spec.js";
import { upperLimits } from "./lib/thresholds.js";
import { UP_TEXTS } from "./lib/value-texts.js";

const UP_STEPS = [{ value: null, color: COLORS.bad }, { value: 1, color: COLORS.ok }];
const tradingRpo = RECOVERY_POINT_OBJECTIVES.tradingData.seconds;

export const postgresRow: RowSpec = {
  title: "PostgreSQL",
  panels: [
    {
      kind: "stat",
      title: "PostgreSQL up",
      description: "Whether the exporter can reach PostgreSQL (the database-failure alert reads the same series).",
      unit: "none",
      targets: [{ expr: "pg_up", legend: "{{instance}}", instant: true }],
      valueTexts: UP_TEXTS,
      thresholds: UP_STEPS,
      width: 4,
    },
    {
      kind: "timeseries",
      title: "Connections used",
      description: "Backends connected over max_connections. Each service keeps a small pool; a steady climb means a leak.",
      unit: "percentunit",
      targets: [{ expr: "sum by (instance) (pg_stat_database_numbackends) / on (instance) pg_settings_max_connections", legend: "{{instance}}" }],
      min: 0,
      max: 1,
      width: 10,
    },
    {
      kind: "timeseries",
      title: "Connections by state",
      description: "Sessions by state; many `idle in transaction` sessions hold locks and block vacuum.",
      unit: "short",
      targets: [{ expr: sumBy(["state"], "pg_stat_activity_count"), legend: "{{state}}" }],
      min: 0,
      width: 10,
    },
    {
      kind: "timeseries",
      title: "Transactions",
      description: "Commits and rollbacks per second, by database.",
      unit: "ops",
      targets: [
        { expr: sumBy(["datname"], rate("pg_stat_database_xact_commit")), legend: "commit {{datname}}" },
        { expr: sumBy(["datname"], rate("pg_stat_database_xact_rollback")), legend: "rollback {{datname}}" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Buffer cache hit ratio",
      description: "Blocks found in shared buffers over blocks needed; a falling ratio means the working set no longer fits in memory.",
      unit: "percentunit",
      targets: [{ expr: `${sumBy([], rate("pg_stat_database_blks_hit"))} / (${sumBy([], rate("pg_stat_database_blks_hit"))} + ${sumBy([], rate("pg_stat_database_blks_read"))})`, legend: "hit ratio" }],
      max: 1,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Database size",
      description: "Size of each database.",
      unit: "bytes",
      targets: [{ expr: "pg_database_size_bytes", legend: "{{datname}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Longest transaction",
      description: "Age of the oldest open transaction, by database.",
      unit: "s",
      targets: [{ expr: "max by (datname) (pg_stat_activity_max_tx_duration)", legend: "{{datname}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Deadlocks, conflicts, locks",
      description: "Deadlocks and recovery conflicts per second, and locks held by mode.",
      unit: "short",
      targets: [
        { expr: sumBy(["datname"], rate("pg_stat_database_deadlocks")), legend: "deadlocks/s {{datname}}" },
        { expr: sumBy(["datname"], rate("pg_stat_database_conflicts")), legend: "conflicts/s {{datname}}" },
        { expr: sumBy(["mode"], "pg_locks_count"), legend: "locks {{mode}}" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "WAL archive age",
      description: `Seconds since the last WAL segment was archived, against the trading-data RPO (${duration(tradingRpo)}); archive_timeout ships a written segment well inside it. Empty (NaN) until the first segment is archived.`,
      unit: "s",
      targets: [
        { expr: "pg_stat_archiver_last_archive_age", legend: "last archive age" },
        { expr: sumBy([], rate("pg_stat_archiver_failed_count")), legend: "failed archives/s" },
      ],
      thresholds: upperLimits({ value: tradingRpo, color: COLORS.bad }),
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Backup age by tier",
      description: "Seconds since each backup tier's last success (base backup, schema dumps, Redis snapshot, compliance export), beside its schedule from ops/ BACKUP_SCHEDULE, and 1 while a tier's last run failed. The stale and failed backup alerts read the same series.",
      unit: "s",
      targets: [
        { expr: "time() - titan_backup_last_success_timestamp_seconds", legend: "age {{tier}}" },
        { expr: "titan_backup_interval_seconds", legend: "schedule {{tier}}" },
        { expr: 'titan_backup_last_run_outcome_state{outcome="failed"}', legend: "last run failed {{tier}}" },
      ],
      min: 0,
      width: 8,
    },
  ],
};

export const redisRow: RowSpec = {
  title: "Redis",
  panels: [
    {
      kind: "stat",
      title: "Redis up",
      description: "Whether the exporter can reach Redis. Redis is transport: while it is down the outboxes grow and trading goes REDUCING.",
      unit: "none",
      targets: [{ expr: "redis_up", legend: "{{instance}}", instant: true }],
      valueTexts: UP_TEXTS,
      thresholds: UP_STEPS,
      width: 4,
    },
    {
      kind: "stat",
      title: "Append-only file last write",
      description: "Status of the last AOF write (1 ok). Redis runs with append-only persistence; a failed write means acknowledged messages may not survive a restart.",
      unit: "none",
      targets: [{ expr: "redis_aof_last_write_status", legend: "{{instance}}", instant: true }],
      valueTexts: [
        { value: 0, text: "FAILED", color: COLORS.bad },
        { value: 1, text: "ok", color: COLORS.ok },
      ],
      thresholds: UP_STEPS,
      width: 4,
    },
    {
      kind: "timeseries",
      title: "Redis memory",
      description: "Memory used, and maxmemory where one is set. Redis runs with noeviction: at maxmemory writes fail instead of dropping messages.",
      unit: "bytes",
      targets: [
        { expr: "redis_memory_used_bytes", legend: "used {{instance}}" },
        { expr: "redis_memory_max_bytes > 0", legend: "maxmemory {{instance}}" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Redis clients",
      description: "Connected clients (every service holds a few) and clients blocked on a stream read.",
      unit: "short",
      targets: [
        { expr: "redis_connected_clients", legend: "connected {{instance}}" },
        { expr: "redis_blocked_clients", legend: "blocked {{instance}}" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Redis commands",
      description: "Commands processed per second.",
      unit: "ops",
      targets: [{ expr: sumBy(["instance"], rate("redis_commands_processed_total")), legend: "{{instance}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Redis keys",
      description: "Keys per database (each stream is one key).",
      unit: "short",
      targets: [{ expr: "redis_db_keys > 0", legend: "{{db}}" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Evictions and rejected connections",
      description: "Both must stay at zero: an eviction would lose a message (noeviction is configured), a rejected connection is a service that cannot reach the bus.",
      unit: "ops",
      targets: [
        { expr: sumBy([], rate("redis_evicted_keys_total")), legend: "evicted keys/s" },
        { expr: sumBy([], rate("redis_rejected_connections_total")), legend: "rejected connections/s" },
      ],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: "Redis network",
      description: "Bytes in and out of Redis.",
      unit: "Bps",
      targets: [
        { expr: sumBy([], rate("redis_net_input_bytes_total")), legend: "in" },
        { expr: sumBy([], rate("redis_net_output_bytes_total")), legend: "out" },
      ],
      min: 0,
      width: 8,
    },
  ],
};
