-- The scavenger's parameter versions (written only through its API), their activation history, and
-- the signals it published. Tables are unqualified: migrations run with search_path = scavenger.

-- Up Migration

-- One row per parameter set ever created. `parameters` is the complete parsed set (defaults filled),
-- so a later change of a default never changes what an old version means; rows are never edited
-- except for the `active` flag, and never deleted.
CREATE TABLE config_versions (
  version integer PRIMARY KEY CHECK (version >= 1),
  parameters jsonb NOT NULL CHECK (jsonb_typeof(parameters) = 'object'),
  parameters_sha256 text NOT NULL CHECK (parameters_sha256 ~ '^[0-9a-f]{64}$'),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  proposal_id uuid,
  created_by_kind text NOT NULL CHECK (created_by_kind IN ('operator', 'service', 'system')),
  created_by_id text NOT NULL,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL,
  active boolean NOT NULL DEFAULT false
);
-- At most one active version, whatever the writers do.
CREATE UNIQUE INDEX config_versions_one_active_idx ON config_versions ((true)) WHERE active;

CREATE FUNCTION reject_config_version_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'config_versions rows are kept forever: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (NEW.version, NEW.parameters, NEW.parameters_sha256, NEW.reason, NEW.proposal_id, NEW.created_by_kind, NEW.created_by_id, NEW.created_by_name, NEW.created_at)
     IS DISTINCT FROM
     (OLD.version, OLD.parameters, OLD.parameters_sha256, OLD.reason, OLD.proposal_id, OLD.created_by_kind, OLD.created_by_id, OLD.created_by_name, OLD.created_at) THEN
    RAISE EXCEPTION 'a config version is immutable: only its active flag may change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER config_versions_immutable BEFORE UPDATE OR DELETE ON config_versions
  FOR EACH ROW EXECUTE FUNCTION reject_config_version_edit();

-- Every activation, in order: `seq` orders them across instances (a rollback lowers the version
-- number, so the number alone cannot say which activation is newer).
CREATE TABLE config_activations (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version integer NOT NULL REFERENCES config_versions (version),
  previous_version integer REFERENCES config_versions (version),
  action text NOT NULL CHECK (action IN ('activated', 'rolled-back')),
  by_kind text NOT NULL CHECK (by_kind IN ('operator', 'service', 'system')),
  by_id text NOT NULL,
  by_name text NOT NULL,
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  activated_at timestamptz NOT NULL
);
CREATE INDEX config_activations_version_idx ON config_activations (version);

-- Signals handed to the brain. The primary key is the deterministic signal id: a replayed trade
-- sequence, or a second instance seeing the same burst, finds the row and publishes nothing.
-- config_version lives here because the Signal contract has no field for it.
CREATE TABLE signals (
  signal_id uuid PRIMARY KEY,
  symbol text NOT NULL,
  trap_type text NOT NULL,
  side text NOT NULL CHECK (side IN ('long', 'short')),
  config_version integer NOT NULL,
  trigger_price_usd double precision NOT NULL,
  requested_notional_usd double precision NOT NULL CHECK (requested_notional_usd > 0),
  signal_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  published_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signals_signal_at_idx ON signals (signal_at);

-- Down Migration
DROP TABLE signals;
DROP TABLE config_activations;
DROP TRIGGER config_versions_immutable ON config_versions;
DROP FUNCTION reject_config_version_edit();
DROP TABLE config_versions;
