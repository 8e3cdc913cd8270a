-- Up Migration
-- Console operators: who may log in, with which role, and the state of their second factor and
-- lock-out. Passwords are argon2id hashes; TOTP secrets are encrypted (AES-256-GCM) with a key the
-- database never sees. Users are disabled, never deleted, so the audit trail can always name them.
CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z][a-z0-9._-]{2,63}$'),
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
  totp_secret_enc bytea,
  -- The last TOTP time step accepted: a code is accepted once (RFC 6238 §5.2).
  totp_last_step bigint,
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until timestamptz,
  disabled_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  credentials_set_at timestamptz NOT NULL,
  last_login_at timestamptz
);

-- Browser sessions. The cookie carries the id and a secret; only sha256 of the secret is kept. Each
-- session holds a delegated API token (auth.api_tokens) derived from the same secret, with which the
-- console calls the other services on the operator's behalf.
CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
  delegate_token_id text NOT NULL UNIQUE,
  mfa boolean NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoke_reason text,
  client_ip text,
  CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_active_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- One-time codes with which a person sets their password and second factor: the first admin's comes
-- from a 0600 file the console writes on a fresh installation, the others from an admin.
CREATE TABLE enrollments (
  id uuid PRIMARY KEY,
  code_sha256 bytea NOT NULL UNIQUE CHECK (length(code_sha256) = 32),
  -- Null for the first admin, who chooses a name at setup.
  username text CHECK (username ~ '^[a-z][a-z0-9._-]{2,63}$'),
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  -- The TOTP secret offered at the start of setup, kept until the person proves they hold it.
  totp_secret_enc bytea,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  user_id uuid REFERENCES users (id),
  CHECK (expires_at > created_at)
);
CREATE INDEX enrollments_open_idx ON enrollments (expires_at) WHERE used_at IS NULL;

-- Down Migration
DROP TABLE enrollments;
DROP TABLE sessions;
DROP TABLE users;
