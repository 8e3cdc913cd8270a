-- Execution's schema: the order commands it accepted (and what became of them), the shadow state built
-- from execution reports (orders, fills, positions), its own trading-state causes, reconciliation runs,
-- emergency-control runs, transfers, and the paper venue's books. Times are epoch milliseconds (`*_ms`),
-- amounts USD (`*_usd`), quantities in the base asset (`*qty`).

-- Up Migration

-- One row per order command: the client order id is unique, so a replayed command finds its row and
-- never becomes a second order. `submit_attempts` is written before each create request leaves, so a
-- restart knows to look the order up by its client id before sending again.
CREATE TABLE order_commands (
  command_id uuid PRIMARY KEY,
  client_order_id text NOT NULL UNIQUE,
  signal_id uuid NOT NULL,
  message_id uuid NOT NULL,
  symbol text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'submitted', 'refused', 'cancelled')),
  plan jsonb,
  command jsonb NOT NULL,
  refusal_reason text,
  refusal_detail text,
  submit_attempts integer NOT NULL DEFAULT 0,
  last_attempt_at_ms bigint,
  venue_order_id text,
  command_ts_ms bigint NOT NULL,
  received_at_ms bigint NOT NULL,
  acked_at_ms bigint,
  first_fill_at_ms bigint
);
CREATE INDEX order_commands_pending_idx ON order_commands (received_at_ms) WHERE status = 'pending';

-- Orders as execution reports left them (the shadow state's orders), ours and the venue's own (stops).
CREATE TABLE orders (
  client_order_id text PRIMARY KEY,
  venue_order_id text,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  order_type text NOT NULL CHECK (order_type IN ('market', 'limit', 'post-only')),
  reduce_only boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('new', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired')),
  order_qty double precision NOT NULL,
  filled_qty double precision NOT NULL,
  avg_fill_price_usd double precision,
  limit_price_usd double precision,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  last_report_id uuid NOT NULL
);
CREATE INDEX orders_open_idx ON orders (symbol) WHERE status IN ('new', 'partially-filled');
CREATE INDEX orders_updated_idx ON orders (updated_at_ms DESC);

-- Every fill, once, by the venue's execution id.
CREATE TABLE fills (
  fill_id text PRIMARY KEY,
  report_id uuid NOT NULL,
  client_order_id text NOT NULL,
  venue_order_id text,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty double precision NOT NULL CHECK (qty > 0),
  price_usd double precision NOT NULL CHECK (price_usd > 0),
  fee_usd double precision NOT NULL,
  liquidity text NOT NULL CHECK (liquidity IN ('maker', 'taker')),
  source text NOT NULL CHECK (source IN ('stream', 'poll')),
  venue_ts_ms bigint NOT NULL,
  recorded_at_ms bigint NOT NULL
);
CREATE INDEX fills_venue_ts_idx ON fills (venue_ts_ms DESC);
CREATE INDEX fills_order_idx ON fills (client_order_id);

-- The shadow positions: only ever written together with the fill that moved them.
CREATE TABLE positions (
  symbol text PRIMARY KEY,
  side text NOT NULL CHECK (side IN ('long', 'short', 'flat')),
  qty double precision NOT NULL CHECK (qty >= 0),
  avg_entry_price_usd double precision,
  realised_pnl_usd double precision NOT NULL,
  leverage double precision NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  last_fill_id text NOT NULL
);

-- Execution's own trading-state causes (the brain's are kept as its last message, in state_meta).
CREATE TABLE trading_causes (
  cause_key text PRIMARY KEY,
  record jsonb NOT NULL
);

-- Small named values that must survive a restart: the trading-state sequence, the brain's last state,
-- the reconciliation tally, the fill cursor, the start-of-day equity.
CREATE TABLE state_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at_ms bigint NOT NULL
);

CREATE TABLE reconciliation_runs (
  run_id bigserial PRIMARY KEY,
  started_at_ms bigint NOT NULL,
  finished_at_ms bigint NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('clean', 'mismatch', 'failed')),
  consecutive_mismatching integer NOT NULL,
  mismatches jsonb NOT NULL,
  detail text
);
CREATE INDEX reconciliation_runs_finished_idx ON reconciliation_runs (finished_at_ms DESC);

-- Flatten-all and cancel-all runs: started in the transaction of the command that asked, resumed after
-- a restart until done.
CREATE TABLE control_runs (
  run_id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('flatten', 'cancel-all')),
  symbol text,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  requested_by jsonb NOT NULL,
  reason text NOT NULL,
  started_at_ms bigint NOT NULL,
  finished_at_ms bigint,
  rounds integer NOT NULL DEFAULT 0,
  detail text
);

-- Treasury transfers commanded by the brain: the transfer id makes each happen at most once.
CREATE TABLE transfers (
  transfer_id uuid PRIMARY KEY,
  command_id uuid NOT NULL,
  venue text NOT NULL,
  asset text NOT NULL,
  amount_usd double precision NOT NULL CHECK (amount_usd > 0),
  from_account text NOT NULL,
  to_account text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  reference text,
  detail text,
  requested_at_ms bigint NOT NULL,
  finished_at_ms bigint
);

-- The paper venue's books (it is an exchange of its own): one row.
CREATE TABLE paper_books (
  id smallint PRIMARY KEY CHECK (id = 1),
  books jsonb NOT NULL,
  updated_at_ms bigint NOT NULL
);

-- Down Migration

DROP TABLE paper_books;
DROP TABLE transfers;
DROP TABLE control_runs;
DROP TABLE reconciliation_runs;
DROP TABLE state_meta;
DROP TABLE trading_causes;
DROP TABLE positions;
DROP TABLE fills;
DROP TABLE orders;
DROP TABLE order_commands;
