-- Market data kept by execution: klines as the venue (or the synthetic market) closed them, one row per
-- symbol, interval and bar start. Upserted, so a bar published twice (a reconnect, a restart, a replay)
-- is one row; a closed bar is never overwritten by a forming one. Trades are not here: they go to the
-- trade tape (compressed files per symbol and day, market-data/tape). Times are epoch milliseconds.
-- Numbered 0100 so that it sorts after the service's own 000x migrations.

-- Up Migration

CREATE TABLE klines (
  symbol text NOT NULL CHECK (length(symbol) BETWEEN 1 AND 64),
  bar_interval text NOT NULL CHECK (bar_interval IN ('1m', '5m', '15m', '1h', '4h', '1d')),
  open_ts_ms bigint NOT NULL CHECK (open_ts_ms >= 0),
  close_ts_ms bigint NOT NULL CHECK (close_ts_ms > open_ts_ms),
  venue text NOT NULL,
  market_type text NOT NULL CHECK (market_type IN ('linear', 'spot')),
  open_price_usd double precision NOT NULL CHECK (open_price_usd > 0),
  high_price_usd double precision NOT NULL CHECK (high_price_usd > 0),
  low_price_usd double precision NOT NULL CHECK (low_price_usd > 0),
  close_price_usd double precision NOT NULL CHECK (close_price_usd > 0),
  volume_qty double precision NOT NULL CHECK (volume_qty >= 0),
  turnover_usd double precision NOT NULL CHECK (turnover_usd >= 0),
  closed boolean NOT NULL,
  -- Our time when the row was last written (the message's tsMs).
  updated_ts_ms bigint NOT NULL,
  PRIMARY KEY (symbol, bar_interval, open_ts_ms),
  CHECK (low_price_usd <= high_price_usd)
);

-- The primary key's index also serves the readers' query: one symbol's bars of one interval over a time
-- range (the AI Quant backtester, the console's charts).

-- Down Migration

DROP TABLE klines;
