-- Rows a relay of the producing process publishes at once (its fast path) are leased to it for a few
-- seconds: other relays' claims skip them meanwhile, so several relays still publish each row once, and
-- take them over if that process dies before marking them published.

-- Up Migration
ALTER TABLE outbox ADD COLUMN leased_until timestamptz;

-- Down Migration
ALTER TABLE outbox DROP COLUMN leased_until;
