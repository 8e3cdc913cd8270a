-- Up Migration
-- Operator API tokens. Only sha256 of the token is kept; the token itself is shown once at issue.
-- Every token expires; revocation is a timestamp, never a deletion, so the audit trail can name it.
CREATE TABLE api_tokens (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  scopes text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_used_at timestamptz,
  is_bootstrap boolean NOT NULL DEFAULT false,
  CHECK (expires_at > created_at)
);
-- "Is there a usable admin token?" is asked at every console start.
CREATE INDEX api_tokens_active_idx ON api_tokens (role, expires_at) WHERE revoked_at IS NULL;

-- Down Migration
DROP TABLE api_tokens;
