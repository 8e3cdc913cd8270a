-- AI Quant reads the parameter versions to know what a proposal must beat. Read only: a new version is
-- created and activated through the scavenger's API when an operator approves a proposal.

-- Up Migration

GRANT USAGE ON SCHEMA scavenger TO titan_ai_quant;
GRANT SELECT ON config_versions TO titan_ai_quant;

-- Down Migration

REVOKE SELECT ON config_versions FROM titan_ai_quant;
REVOKE USAGE ON SCHEMA scavenger FROM titan_ai_quant;
