// The messaging metrics, registered once per process registry (dashboards and alerts read these names).
import type { Counter, Gauge, Histogram } from "prom-client";
import { LATENCY_BUCKETS_SECONDS, type ServiceMetrics } from "../metrics.js";

/** Relay lag spans sub-millisecond hand-offs and Redis outages of minutes. */
const LAG_BUCKETS_SECONDS = [...LATENCY_BUCKETS_SECONDS, 30, 60, 300, 900];

export interface RelayMetrics {
  readonly publishedTotal: Counter<"stream">;
  readonly publishFailuresTotal: Counter<"reason">;
  readonly backlogMessages: Gauge;
  readonly lagSeconds: Histogram;
}

export const relayMetrics = (m: ServiceMetrics): RelayMetrics => ({
  publishedTotal: m.counter("outbox_published_total", "Outbox messages published to Redis Streams", ["stream"]),
  publishFailuresTotal: m.counter("outbox_publish_failures_total", "Outbox relay cycles that failed, by the store that failed", ["reason"]),
  backlogMessages: m.gauge("outbox_backlog_messages", "Outbox messages not yet published"),
  lagSeconds: m.histogram("outbox_relay_lag_seconds", "Time from enqueue (commit) to publish", [], LAG_BUCKETS_SECONDS),
});

type StreamLabels = "stream" | "group";

export interface ConsumerMetrics {
  readonly processedTotal: Counter<StreamLabels>;
  readonly failedTotal: Counter<StreamLabels | "kind">;
  readonly deadLetteredTotal: Counter<StreamLabels | "reason_class">;
  readonly duplicatesSkippedTotal: Counter<StreamLabels>;
  readonly ignoredTotal: Counter<StreamLabels>;
  readonly claimedTotal: Counter<StreamLabels>;
  readonly lagMessages: Gauge<StreamLabels>;
  readonly pendingMessages: Gauge<StreamLabels>;
  readonly handlingSeconds: Histogram<StreamLabels | "outcome">;
}

export const consumerMetrics = (m: ServiceMetrics): ConsumerMetrics => ({
  processedTotal: m.counter("messages_processed_total", "Messages whose effect committed", ["stream", "group"]),
  failedTotal: m.counter("messages_failed_total", "Failed handling attempts (kind: handler or infrastructure)", ["stream", "group", "kind"]),
  deadLetteredTotal: m.counter("messages_dead_lettered_total", "Messages moved to the dead-letter stream", ["stream", "group", "reason_class"]),
  duplicatesSkippedTotal: m.counter("messages_duplicates_skipped_total", "Redelivered messages whose effect had already committed", ["stream", "group"]),
  ignoredTotal: m.counter("messages_ignored_total", "Valid messages the handler has no use for (their type or content), acknowledged without a transaction", ["stream", "group"]),
  claimedTotal: m.counter("messages_claimed_total", "Pending entries taken over from idle or crashed consumers", ["stream", "group"]),
  lagMessages: m.gauge("consumer_lag_messages", "Entries in the stream not yet delivered to the group", ["stream", "group"]),
  pendingMessages: m.gauge("consumer_pending_messages", "Entries delivered to the group and not yet acknowledged", ["stream", "group"]),
  handlingSeconds: m.histogram("message_handling_duration_seconds", "Time to handle one message, transaction included", ["stream", "group", "outcome"]),
});
