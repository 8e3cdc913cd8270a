-- Round trips (services/execution/domain/round-trips.ts): each position's life from its opening fill to
-- its closing one, written in the same transaction as the fills that move it. At most one open trip per
-- symbol. Closed trips are the "closed trades" strategies learn from; kept with the fills for 7 years.

-- Up Migration

CREATE TABLE round_trips (
  trip_id uuid PRIMARY KEY,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('long', 'short')),
  opened_by_client_order_id text NOT NULL,
  signal_id uuid,
  opening_fill_id text NOT NULL,
  opened_at_ms bigint NOT NULL,
  entry_qty double precision NOT NULL CHECK (entry_qty > 0),
  entry_notional_usd double precision NOT NULL,
  exit_qty double precision NOT NULL CHECK (exit_qty >= 0),
  exit_notional_usd double precision NOT NULL,
  fees_usd double precision NOT NULL,
  realised_at_open_usd double precision NOT NULL,
  closing_fill_id text,
  closed_at_ms bigint,
  realised_pnl_usd double precision,
  CHECK ((closed_at_ms IS NULL) = (closing_fill_id IS NULL) AND (closed_at_ms IS NULL) = (realised_pnl_usd IS NULL))
);
CREATE UNIQUE INDEX round_trips_one_open_per_symbol ON round_trips (symbol) WHERE closed_at_ms IS NULL;
CREATE INDEX round_trips_closed_at ON round_trips (closed_at_ms) WHERE closed_at_ms IS NOT NULL;

-- Down Migration

DROP TABLE round_trips;
