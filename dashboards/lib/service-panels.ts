// Panels every service shares, since every service uses the same runtime: its consumer groups (lag,
// pending, handling time, failures), its outbox (backlog, relay lag, publish failures), its database
// statements and its event loop. Each service dashboard shows them the same way.
import type { ServiceName } from "../../ops/index.js";
import { histogramQuantile, rate, serviceMetric, sumBy } from "./promql.js";
import { COLORS, type PanelSpec, type RowSpec } from "./spec.js";

const P95 = 0.95; // the percentile every latency panel of a dashboard shows beside the KPI's

export const consumerRow = (service: ServiceName): RowSpec => {
  const m = (what: string): string => serviceMetric(service, what);
  return {
    title: `Consumer groups (${service})`,
    panels: [
      {
        kind: "timeseries",
        title: "Consumer lag",
        description: "Entries in each stream not yet delivered to this service's group. Growth means the service falls behind its input.",
        unit: "short",
        targets: [{ expr: sumBy(["stream"], m("consumer_lag_messages")), legend: "{{stream}}" }],
        min: 0,
        width: 8,
      },
      {
        kind: "timeseries",
        title: "Pending (delivered, not acknowledged)",
        description: "Entries delivered to the group and not yet acknowledged; a crashed consumer's entries stay here until claimed.",
        unit: "short",
        targets: [{ expr: sumBy(["stream"], m("consumer_pending_messages")), legend: "{{stream}}" }],
        min: 0,
        width: 8,
      },
      {
        kind: "timeseries",
        title: "Message handling p95",
        description: "Time to handle one message, its transaction included, by stream.",
        unit: "s",
        targets: [{ expr: histogramQuantile(P95, m("message_handling_duration_seconds"), { by: ["stream"] }), legend: "{{stream}}" }],
        min: 0,
        width: 8,
      },
      {
        kind: "timeseries",
        title: "Messages processed and ignored",
        description: "Messages whose effect committed, by stream; and valid messages the service has no use for (e.g. the brain's execution reports without a fill), acknowledged without a transaction.",
        unit: "ops",
        targets: [
          { expr: sumBy(["stream"], rate(m("messages_processed_total"))), legend: "{{stream}}" },
          { expr: sumBy(["stream"], rate(m("messages_ignored_total"))), legend: "ignored {{stream}}" },
        ],
        min: 0,
        width: 12,
      },
      {
        kind: "timeseries",
        title: "Failures, dead letters, redeliveries",
        description: "Failed handling attempts, messages moved to the dead-letter stream, entries claimed from crashed consumers and redelivered duplicates skipped.",
        unit: "ops",
        targets: [
          { expr: sumBy(["stream", "kind"], rate(m("messages_failed_total"))), legend: "failed {{stream}} ({{kind}})" },
          { expr: sumBy(["stream", "reason_class"], rate(m("messages_dead_lettered_total"))), legend: "dead-lettered {{stream}} ({{reason_class}})" },
          { expr: sumBy(["stream"], rate(m("messages_claimed_total"))), legend: "claimed {{stream}}" },
          { expr: sumBy(["stream"], rate(m("messages_duplicates_skipped_total"))), legend: "duplicate {{stream}}" },
        ],
        min: 0,
        width: 12,
      },
    ],
  };
};

export const outboxPanels = (service: ServiceName): PanelSpec[] => {
  const m = (what: string): string => serviceMetric(service, what);
  return [
    {
      kind: "timeseries",
      title: `Outbox backlog (${service})`,
      description: "Messages committed to the outbox and not yet published to Redis. It grows while Redis is unreachable and drains after.",
      unit: "short",
      targets: [{ expr: m("outbox_backlog_messages"), legend: "backlog" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: `Outbox relay lag p95 (${service})`,
      description: "Time from the commit of a message to its publication.",
      unit: "s",
      targets: [{ expr: histogramQuantile(P95, m("outbox_relay_lag_seconds")), legend: "p95" }],
      min: 0,
      width: 8,
    },
    {
      kind: "timeseries",
      title: `Outbox published and failed (${service})`,
      description: "Messages published by stream, and relay cycles that failed by the store that failed.",
      unit: "ops",
      targets: [
        { expr: sumBy(["stream"], rate(m("outbox_published_total"))), legend: "published {{stream}}" },
        { expr: sumBy(["reason"], rate(m("outbox_publish_failures_total"))), legend: "failed ({{reason}})" },
      ],
      min: 0,
      width: 8,
    },
  ];
};

/** Mean PostgreSQL statement time by statement, and the process's event-loop lag. */
export const processPanels = (service: ServiceName, databaseKpiSeconds: number): PanelSpec[] => {
  const m = (what: string): string => serviceMetric(service, what);
  return [
    {
      kind: "timeseries",
      title: `Database statement time by statement (${service})`,
      description: "Mean duration of each named PostgreSQL statement, against the database-query KPI line.",
      unit: "s",
      targets: [{ expr: `${sumBy(["statement"], rate(m("db_statement_duration_seconds_sum")))} / ${sumBy(["statement"], rate(m("db_statement_duration_seconds_count")))}`, legend: "{{statement}}" }],
      thresholds: [{ value: null, color: COLORS.ok }, { value: databaseKpiSeconds, color: COLORS.bad }],
      min: 0,
      width: 12,
    },
    {
      kind: "timeseries",
      title: `Event-loop lag p99 (${service})`,
      description: "The Node.js event loop's delay: every message and request waits at least this long.",
      unit: "s",
      targets: [{ expr: m("nodejs_eventloop_lag_p99_seconds"), legend: "p99" }],
      min: 0,
      width: 12,
    },
  ];
};
