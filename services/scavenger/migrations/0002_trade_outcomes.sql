-- Closed trades of the scavenger's own signals (execution's `trade-closed`, joined to the signal that
-- opened them): the record that calibrates each trap type's win rate and feeds the daily-loss gate,
-- read into every instance's strategy (at start, after each recording, and each minute). One row per trade; a replayed message changes nothing.

-- Up Migration

CREATE TABLE trade_outcomes (
  trade_id uuid PRIMARY KEY,
  -- Recording order: every instance replays the rows after the last one it has seen.
  seq bigserial NOT NULL UNIQUE,
  signal_id uuid NOT NULL REFERENCES signals (signal_id),
  trap_type text NOT NULL,
  symbol text NOT NULL,
  config_version integer NOT NULL,
  realised_pnl_usd double precision NOT NULL,
  allocation_usd double precision NOT NULL CHECK (allocation_usd > 0),
  pnl_percent_of_allocation double precision NOT NULL,
  closed_at_ms bigint NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trade_outcomes_closed_at ON trade_outcomes (closed_at_ms);

-- Down Migration

DROP TABLE trade_outcomes;
