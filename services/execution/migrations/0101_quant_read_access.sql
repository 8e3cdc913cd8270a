-- AI Quant backtests over execution's records: klines, fills (the fee rates actually charged) and round
-- trips (the closed trades). Read only; every change still goes through execution.

-- Up Migration

GRANT USAGE ON SCHEMA execution TO titan_ai_quant;
GRANT SELECT ON klines, fills, round_trips TO titan_ai_quant;

-- Down Migration

REVOKE SELECT ON klines, fills, round_trips FROM titan_ai_quant;
REVOKE USAGE ON SCHEMA execution FROM titan_ai_quant;
