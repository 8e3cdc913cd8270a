-- The brain's schema: its current state (one row, restored on start), every decision, and the history
-- of what it decided and why (allocation, trades and performance, breaker, trading state, risk,
-- overrides, treasury). Times are epoch milliseconds (`*_ms`), amounts USD (`*_usd`).

-- Up Migration

-- The brain's state as last committed. `version` rises with every change; an instance whose memory
-- holds another version reloads before acting (a rolled-back change, or another writer).
CREATE TABLE state (
  id smallint PRIMARY KEY CHECK (id = 1),
  version bigint NOT NULL,
  breaker jsonb NOT NULL,
  trading_causes jsonb NOT NULL,
  trading_sequence bigint NOT NULL,
  start_of_day_ms bigint,
  start_of_day_equity_usd double precision,
  accounts jsonb NOT NULL,
  fill_pnl_since_snapshot jsonb NOT NULL,
  ledger jsonb NOT NULL,
  positions jsonb NOT NULL,
  treasury jsonb NOT NULL,
  allocation_fingerprint text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE phases (
  phase smallint PRIMARY KEY CHECK (phase BETWEEN 1 AND 3),
  registered_at_ms bigint NOT NULL,
  registered_by jsonb NOT NULL,
  reason text NOT NULL
);

-- One decision per signal, whatever happens to the signal's messages afterwards.
CREATE TABLE decisions (
  decision_id uuid PRIMARY KEY,
  signal_id uuid NOT NULL UNIQUE,
  message_id uuid NOT NULL,
  phase smallint NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('long', 'short')),
  outcome text NOT NULL CHECK (outcome IN ('approved', 'vetoed')),
  reason text,
  detail text,
  requested_notional_usd double precision NOT NULL,
  authorised_notional_usd double precision,
  leverage double precision,
  client_order_id text UNIQUE,
  command_id uuid UNIQUE,
  risk jsonb,
  signal jsonb NOT NULL,
  signal_ts_ms bigint NOT NULL,
  decided_at_ms bigint NOT NULL
);
CREATE INDEX decisions_decided_idx ON decisions (decided_at_ms DESC, decision_id DESC);
CREATE INDEX decisions_symbol_idx ON decisions (symbol, decided_at_ms DESC);

-- Signals refused before a decision (unknown symbol, impossible prices, a second copy of a decided
-- signal): kept so an operator can see why a strategy got no answer. They change no trading state.
CREATE TABLE signal_rejections (
  message_id uuid PRIMARY KEY,
  signal_id uuid NOT NULL,
  symbol text NOT NULL,
  phase smallint NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  rejected_at_ms bigint NOT NULL
);
CREATE INDEX signal_rejections_at_idx ON signal_rejections (rejected_at_ms DESC);

-- Fills as the brain booked them from execution reports: the key makes a repeated fill harmless.
CREATE TABLE fills (
  fill_id text PRIMARY KEY,
  report_id uuid NOT NULL,
  client_order_id text NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('buy', 'sell')),
  qty double precision NOT NULL,
  price_usd double precision NOT NULL,
  fee_usd double precision NOT NULL,
  realised_pnl_usd double precision NOT NULL,
  phase smallint,
  ts_ms bigint NOT NULL
);

CREATE TABLE phase_trades (
  trade_id text PRIMARY KEY,
  phase smallint NOT NULL,
  symbol text NOT NULL,
  side text NOT NULL CHECK (side IN ('long', 'short')),
  pnl_usd double precision NOT NULL,
  equity_at_open_usd double precision NOT NULL,
  opened_at_ms bigint NOT NULL,
  closed_at_ms bigint NOT NULL
);
CREATE INDEX phase_trades_closed_idx ON phase_trades (closed_at_ms);

CREATE TABLE phase_performance (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phase smallint NOT NULL,
  recorded_at_ms bigint NOT NULL,
  trades_in_window integer NOT NULL,
  wins integer NOT NULL,
  losses integer NOT NULL,
  net_pnl_usd double precision NOT NULL,
  sharpe double precision,
  modifier double precision NOT NULL
);

CREATE TABLE allocation_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recorded_at_ms bigint NOT NULL,
  equity_usd double precision NOT NULL,
  weights jsonb NOT NULL,
  allocated jsonb NOT NULL,
  reserve_weight double precision NOT NULL,
  source text NOT NULL CHECK (source IN ('sigmoid', 'override')),
  tier text NOT NULL,
  tier_leverage_cap double precision NOT NULL,
  registered_phases smallint[] NOT NULL
);

CREATE TABLE breaker_events (
  event_id uuid PRIMARY KEY,
  breaker text NOT NULL CHECK (breaker IN ('HARD', 'SOFT')),
  action text NOT NULL CHECK (action IN ('trip', 'reset')),
  trigger text NOT NULL,
  actor jsonb NOT NULL,
  detail text NOT NULL,
  figures jsonb NOT NULL,
  resets_at_ms bigint,
  ts_ms bigint NOT NULL
);
CREATE INDEX breaker_events_ts_idx ON breaker_events (ts_ms DESC);

CREATE TABLE trading_state_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sequence bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
  causes jsonb NOT NULL,
  ts_ms bigint NOT NULL
);

CREATE TABLE risk_snapshots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts_ms bigint NOT NULL,
  equity_usd double precision NOT NULL,
  gross_exposure_usd double precision NOT NULL,
  leverage double precision,
  net_delta_usd double precision NOT NULL,
  portfolio_beta double precision NOT NULL,
  beta_weighted_delta_usd double precision NOT NULL,
  var_95_usd double precision,
  daily_drawdown_ratio double precision NOT NULL,
  positions jsonb NOT NULL
);
CREATE INDEX risk_snapshots_ts_idx ON risk_snapshots (ts_ms DESC);

-- Manual allocations. At most one not ended (`ended_at_ms` NULL); an expired one is ended by the brain.
CREATE TABLE overrides (
  id uuid PRIMARY KEY,
  weights jsonb NOT NULL,
  set_by jsonb NOT NULL,
  reason text NOT NULL,
  set_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  ended_at_ms bigint,
  ended_by jsonb,
  end_reason text
);
CREATE UNIQUE INDEX overrides_one_open_idx ON overrides ((true)) WHERE ended_at_ms IS NULL;

CREATE TABLE treasury_operations (
  transfer_id uuid PRIMARY KEY,
  command_id uuid NOT NULL UNIQUE,
  trigger text NOT NULL CHECK (trigger IN ('daily', 'equity-rise')),
  venue text NOT NULL,
  asset text NOT NULL,
  amount_usd double precision NOT NULL,
  from_account text NOT NULL,
  to_account text NOT NULL,
  equity_usd double precision NOT NULL,
  futures_balance_usd double precision NOT NULL,
  target_usd double precision NOT NULL,
  ts_ms bigint NOT NULL
);

CREATE TABLE high_watermark (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts_ms bigint NOT NULL,
  high_watermark_usd double precision NOT NULL,
  equity_usd double precision NOT NULL,
  trigger text NOT NULL
);

-- Down Migration
DROP TABLE high_watermark;
DROP TABLE treasury_operations;
DROP TABLE overrides;
DROP TABLE risk_snapshots;
DROP TABLE trading_state_history;
DROP TABLE breaker_events;
DROP TABLE allocation_history;
DROP TABLE phase_performance;
DROP TABLE phase_trades;
DROP TABLE fills;
DROP TABLE signal_rejections;
DROP TABLE decisions;
DROP TABLE phases;
DROP TABLE state;
