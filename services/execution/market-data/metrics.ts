// The market-data metrics, titan_execution_<what>_<unit>. Registered through ServiceMetrics, which hands
// back the existing metric when another part of the service (the venues) registered the same name.

import type { Counter, Gauge, Histogram } from "prom-client";
import type { ServiceMetrics } from "../../shared/metrics.js";

export interface MarketDataMetrics {
  /** Counts an exchange WebSocket reconnect (see reconnects). */
  readonly countReconnect: (venue: string) => void;
  readonly published: Counter<"type">;
  readonly publishSeconds: Histogram;
  readonly dropped: Counter<"reason">;
  readonly tapeBytes: Counter;
  readonly reconnects: Counter<"venue">;
  readonly sourceInfo: Gauge<"source">;
  readonly klinesUpserted: Counter;
  readonly rejected: Counter<"what">;
}

export function marketDataMetrics(m: ServiceMetrics): MarketDataMetrics {
  const reconnects = m.counter("exchange_websocket_reconnects_total", "Exchange WebSocket reconnects (a watch retried after a network error)", ["venue"]);
  const metrics: MarketDataMetrics = {
    countReconnect: (venue) => {
      // The venues' private stream counts into the same metric; if it was registered first without the
      // venue label, count without it rather than throw.
      try {
        reconnects.inc({ venue });
      } catch {
        reconnects.inc();
      }
    },
    published: m.counter("market_events_published_total", "Market-data messages added to their Redis streams, by message type", ["type"]),
    publishSeconds: m.histogram("market_data_publish_seconds", "Duration of one pipelined batch of market-data XADDs"),
    dropped: m.counter("market_events_dropped_total", "Market-data messages not published: Redis failed, or the queue overflowed while it was slow", ["reason"]),
    tapeBytes: m.counter("tape_bytes_written_total", "Compressed bytes appended to the trade tape"),
    reconnects,
    sourceInfo: m.gauge("market_data_source_info", "The market-data source in use, value 1", ["source"]),
    klinesUpserted: m.counter("klines_upserted_total", "Kline rows inserted or updated in PostgreSQL"),
    rejected: m.counter("market_data_rejected_total", "Venue structures or events refused before publication (missing or invalid fields)", ["what"]),
  };
  // Zero series for every known reason, so rates read 0 rather than "no data" while nothing goes wrong.
  for (const reason of ["redis", "overflow"]) metrics.dropped.inc({ reason }, 0);
  for (const what of ["trade", "ticker", "market-trade", "market-ticker", "market-kline", "market-open-interest", "market-funding"]) metrics.rejected.inc({ what }, 0);
  return metrics;
}
