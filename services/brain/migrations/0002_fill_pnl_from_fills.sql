-- The fills booked since the futures equity snapshot are no longer copied into the state row on every
-- save: they are the fills table's rows after that snapshot's time, read back when the state loads. At
-- 100 signals/s the copy held ~600 fills (~37 KB of jsonb) rewritten with every state save; an UPDATE
-- carrying 585 such entries takes ~0.9 ms inside PostgreSQL, one carrying 2 takes 0.02 ms.

-- Up Migration

CREATE INDEX fills_ts_ms ON fills (ts_ms);
ALTER TABLE state DROP COLUMN fill_pnl_since_snapshot;

-- Down Migration

ALTER TABLE state ADD COLUMN fill_pnl_since_snapshot jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE state SET fill_pnl_since_snapshot = coalesce(
  (SELECT jsonb_agg(jsonb_build_object('tsMs', f.ts_ms, 'pnlUsd', f.realised_pnl_usd - f.fee_usd) ORDER BY f.ts_ms, f.fill_id)
     FROM fills f WHERE f.ts_ms > coalesce((state.accounts->'futures'->>'tsMs')::bigint, -9007199254740991)),
  '[]'::jsonb);
ALTER TABLE state ALTER COLUMN fill_pnl_since_snapshot DROP DEFAULT;
DROP INDEX fills_ts_ms;
