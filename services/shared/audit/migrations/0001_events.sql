-- Up Migration
-- The append-only, hash-chained audit log. seq is assigned by appendAudit as last seq + 1 under an
-- advisory lock (not from a sequence), so the chain has no gaps and a missing seq means a deleted row.
-- hash = sha256(prev_hash || canonical JSON of the row's other fields); the first row's prev_hash is
-- 32 zero bytes.
CREATE TABLE events (
  seq bigint PRIMARY KEY CHECK (seq >= 1),
  id uuid NOT NULL UNIQUE,
  at timestamptz NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('operator', 'service', 'system')),
  actor_id text NOT NULL,
  actor_name text NOT NULL,
  service text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  reason text,
  before jsonb,
  after jsonb,
  prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash bytea NOT NULL UNIQUE CHECK (length(hash) = 32)
);
CREATE INDEX events_at_idx ON events (at);

-- Rights already forbid UPDATE, DELETE and TRUNCATE to the service roles; the triggers also stop the
-- table's owner and anyone granted more by mistake. Only a superuser bypassing triggers can tamper,
-- and verifyAuditChain detects that.
CREATE FUNCTION reject_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION reject_audit_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION reject_audit_change();

-- Down Migration
DROP TABLE events;
DROP FUNCTION reject_audit_change();
