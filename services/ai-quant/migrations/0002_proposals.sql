-- Up Migration
-- A run's progress (a run started through the API is watched while it works), who asked for it, and
-- with which options.
ALTER TABLE job_runs
  ADD COLUMN progress_fraction real NOT NULL DEFAULT 0 CHECK (progress_fraction >= 0 AND progress_fraction <= 1),
  ADD COLUMN progress_detail text,
  ADD COLUMN requested_by jsonb,
  ADD COLUMN options jsonb NOT NULL DEFAULT '{}'::jsonb;

-- AI Quant's proposals. `content_json` is the optimiser's output exactly as produced (canonical JSON:
-- the parameter diff, the full parameter set, in- and out-of-sample figures, every fold, the checks and
-- the reasoning); the id is derived from it, so the same inputs store one proposal. The columns beside it
-- are copies for listing. Nothing here changes the scavenger: approval does that through its API.
CREATE TABLE proposals (
  proposal_id uuid PRIMARY KEY,
  run_id uuid REFERENCES job_runs (id),
  target_service text NOT NULL CHECK (target_service = 'scavenger'),
  base_config_version integer NOT NULL CHECK (base_config_version >= 1),
  changes jsonb NOT NULL,
  content_json text NOT NULL,
  content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  reasoning text NOT NULL,
  equity_svg text NOT NULL,
  out_of_sample jsonb NOT NULL,
  baseline_out_of_sample jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by jsonb,
  decision_reason text,
  -- The scavenger version an approval created and activated.
  applied_config_version integer CHECK (applied_config_version >= 1),
  CHECK ((status IN ('approved', 'rejected')) = (decided_at IS NOT NULL AND decided_by IS NOT NULL)),
  CHECK ((status = 'approved') = (applied_config_version IS NOT NULL))
);
CREATE INDEX proposals_created_idx ON proposals (created_at DESC);
CREATE INDEX proposals_pending_idx ON proposals (created_at DESC) WHERE status = 'pending';

-- Down Migration
DROP TABLE proposals;
ALTER TABLE job_runs DROP COLUMN options, DROP COLUMN requested_by, DROP COLUMN progress_detail, DROP COLUMN progress_fraction;
