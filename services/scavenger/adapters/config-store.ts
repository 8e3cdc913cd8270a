// Parameter versions in the scavenger's schema. Every write goes through here, inside one transaction
// with its audit event, its `config-change` message (outbox) and, for an activation, a NOTIFY that
// wakes every scavenger instance. Writers are serialised by one advisory lock, so version numbers have
// no gaps and the one-active rule never races.
import { createHash, randomUUID } from "node:crypto";
import { appendAudit, canonicalJson, type AuditActor, type AuditTransaction } from "../../shared/audit/index.js";
import { publishInTransaction } from "../../shared/bus.js";
import type { Clock } from "../../shared/clock.js";
import type { Database, Queryable } from "../../shared/db/database.js";
import { DEFAULT_SCAVENGER_PARAMETERS, parseScavengerParameters, type ScavengerParameters } from "../domain/index.js";

/** The NOTIFY channel every instance listens on; the payload is the activation's seq. */
export const CONFIG_CHANNEL = "titan_scavenger_config";
export const CONFIG_KIND = "scavenger-parameters";
const LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('titan.scavenger.config', 0))";

export type ConfigAction = "activated" | "rolled-back";

export interface ConfigVersionSummary {
  readonly version: number;
  readonly createdAtMs: number;
  readonly createdBy: AuditActor;
  readonly reason: string;
  readonly proposalId: string | null;
  readonly parametersSha256: string;
  readonly active: boolean;
  /** The last time this version became active; null if it never was. */
  readonly lastActivatedAtMs: number | null;
}

export interface ConfigVersionDetail extends ConfigVersionSummary {
  readonly parameters: ScavengerParameters;
}

export interface ActiveConfig {
  readonly version: number;
  readonly parameters: ScavengerParameters;
  /** Orders activations across instances: apply only a higher one than the one applied. */
  readonly activationSeq: number;
}

export interface Activation extends ActiveConfig {
  readonly previousVersion: number | null;
  readonly action: ConfigAction;
}

/** A refused write: nothing was stored. `problems` lists every reason. */
export class ConfigVersionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
    this.name = "ConfigVersionError";
  }
}

interface VersionRow {
  version: number;
  parameters: unknown;
  parameters_sha256: string;
  reason: string;
  proposal_id: string | null;
  created_by_kind: AuditActor["kind"];
  created_by_id: string;
  created_by_name: string;
  created_at: Date;
  active: boolean;
  last_activated_at: Date | null;
}

const SELECT_VERSIONS = `SELECT v.version, v.parameters, v.parameters_sha256, v.reason, v.proposal_id::text AS proposal_id,
       v.created_by_kind, v.created_by_id, v.created_by_name, v.created_at, v.active,
       (SELECT max(a.activated_at) FROM config_activations a WHERE a.version = v.version) AS last_activated_at
  FROM config_versions v`;

const summaryOf = (r: VersionRow): ConfigVersionSummary => ({
  version: r.version,
  createdAtMs: r.created_at.getTime(),
  createdBy: { kind: r.created_by_kind, id: r.created_by_id, name: r.created_by_name },
  reason: r.reason,
  proposalId: r.proposal_id,
  parametersSha256: r.parameters_sha256,
  active: r.active,
  lastActivatedAtMs: r.last_activated_at?.getTime() ?? null,
});

/** A stored set parsed again: stored sets were valid when written, so a failure is a schema change to handle. */
const storedParameters = (version: number, raw: unknown): ScavengerParameters => {
  const parsed = parseScavengerParameters(raw);
  if (!parsed.ok) throw new ConfigVersionError(409, `stored version ${version} is no longer a valid parameter set`, parsed.problems);
  return parsed.params;
};

export const parametersSha256 = (params: ScavengerParameters): string => createHash("sha256").update(canonicalJson(params)).digest("hex");

const iso = (clock: Clock): string => new Date(Math.floor(clock.nowMs())).toISOString();

export const listConfigVersions = async (db: Queryable): Promise<ConfigVersionSummary[]> => {
  const { rows } = await db.query<VersionRow>("scavenger_config_list", `${SELECT_VERSIONS} ORDER BY v.version`);
  return rows.map(summaryOf);
};

export const getConfigVersion = async (db: Queryable, version: number): Promise<ConfigVersionDetail | null> => {
  const { rows } = await db.query<VersionRow>("scavenger_config_get", `${SELECT_VERSIONS} WHERE v.version = $1`, [version]);
  const row = rows[0];
  return row ? { ...summaryOf(row), parameters: storedParameters(row.version, row.parameters) } : null;
};

/** The active version with the seq of its latest activation; null before the first start. */
export const loadActiveConfig = async (db: Queryable): Promise<ActiveConfig | null> => {
  const { rows } = await db.query<{ version: number; parameters: unknown; seq: number }>(
    "scavenger_config_active",
    `SELECT v.version, v.parameters, (SELECT max(a.seq) FROM config_activations a) AS seq
       FROM config_versions v WHERE v.active`,
  );
  const row = rows[0];
  return row ? { version: row.version, parameters: storedParameters(row.version, row.parameters), activationSeq: Number(row.seq ?? 0) } : null;
};

/** The seq of the latest activation (0 before any): a cheap poll for changes other instances made. */
export const latestActivationSeq = async (db: Queryable): Promise<number> => {
  const { rows } = await db.query<{ seq: number | null }>("scavenger_config_latest_seq", "SELECT max(seq) AS seq FROM config_activations");
  return Number(rows[0]?.seq ?? 0);
};

interface WriteContext {
  readonly actor: AuditActor;
  readonly clock: Clock;
}

const principalOf = (actor: AuditActor) => ({ kind: actor.kind, id: actor.id });

const insertVersion = async (tx: AuditTransaction, version: number, params: ScavengerParameters, reason: string, proposalId: string | null, w: WriteContext) => {
  const sha = parametersSha256(params);
  await tx.query(
    "scavenger_config_insert",
    `INSERT INTO config_versions (version, parameters, parameters_sha256, reason, proposal_id, created_by_kind, created_by_id, created_by_name, created_at)
     VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9)`,
    [version, canonicalJson(params), sha, reason, proposalId, w.actor.kind, w.actor.id, w.actor.name, iso(w.clock)],
  );
  return sha;
};

const activeVersionIn = async (tx: Queryable): Promise<number | null> => {
  const { rows } = await tx.query<{ version: number }>("scavenger_config_active_version", "SELECT version FROM config_versions WHERE active");
  return rows[0]?.version ?? null;
};

export interface CreateVersionInput {
  /** A possibly partial parameter set; missing fields take domain.md's defaults. */
  readonly parameters: unknown;
  readonly reason: string;
  readonly proposalId?: string;
}

/** Validates and stores a new version (inactive). Invalid parameters are refused with every problem, before any write. */
export const createConfigVersion = async (db: Database, input: CreateVersionInput, w: WriteContext): Promise<ConfigVersionDetail> => {
  const parsed = parseScavengerParameters(input.parameters);
  if (!parsed.ok) throw new ConfigVersionError(400, `invalid scavenger parameters (${parsed.problems.length} problem${parsed.problems.length === 1 ? "" : "s"})`, parsed.problems);
  return db.transaction(async (tx) => {
    await tx.query("scavenger_config_lock", LOCK_SQL);
    const { rows } = await tx.query<{ next: number }>("scavenger_config_next", "SELECT coalesce(max(version), 0) + 1 AS next FROM config_versions");
    const version = rows[0]?.next ?? 1;
    const active = await activeVersionIn(tx);
    const sha = await insertVersion(tx, version, parsed.params, input.reason, input.proposalId ?? null, w);
    await appendAudit(
      tx,
      {
        actor: w.actor,
        service: "scavenger",
        action: "config.create",
        target: `scavenger-config:${version}`,
        reason: input.reason,
        before: null,
        after: { version, parametersSha256: sha, parameters: parsed.params, ...(input.proposalId ? { proposalId: input.proposalId } : {}) },
      },
      w.clock,
    );
    await publishInTransaction(
      tx,
      "config-change",
      {
        version: 1,
        changeId: randomUUID(),
        service: "scavenger",
        configKind: CONFIG_KIND,
        configVersion: version,
        action: "created",
        previousVersion: active,
        changedBy: principalOf(w.actor),
        reason: input.reason,
        ...(input.proposalId ? { proposalId: input.proposalId } : {}),
        tsMs: Math.floor(w.clock.nowMs()),
      },
      { source: "scavenger", clock: w.clock },
    );
    const created = await getConfigVersion(tx, version);
    if (!created) throw new Error(`version ${version} vanished inside its own transaction`);
    return created;
  });
};

const activateIn = async (tx: AuditTransaction, version: number, reason: string, w: WriteContext): Promise<Activation> => {
  const { rows } = await tx.query<{ parameters: unknown; active: boolean }>("scavenger_config_target", "SELECT parameters, active FROM config_versions WHERE version = $1", [version]);
  const target = rows[0];
  if (!target) throw new ConfigVersionError(404, `config version ${version} does not exist`);
  if (target.active) throw new ConfigVersionError(409, `config version ${version} is already active`);
  const parameters = storedParameters(version, target.parameters);
  const previousVersion = await activeVersionIn(tx);
  // A lower number than the active one is a rollback: same effect, recorded as what it is.
  const action: ConfigAction = previousVersion !== null && version < previousVersion ? "rolled-back" : "activated";
  // Two statements: the partial unique index is checked row by row, so the old flag goes first.
  await tx.query("scavenger_config_deactivate", "UPDATE config_versions SET active = false WHERE active");
  await tx.query("scavenger_config_activate", "UPDATE config_versions SET active = true WHERE version = $1", [version]);
  const inserted = await tx.query<{ seq: number }>(
    "scavenger_config_activation_insert",
    `INSERT INTO config_activations (version, previous_version, action, by_kind, by_id, by_name, reason, activated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq`,
    [version, previousVersion, action, w.actor.kind, w.actor.id, w.actor.name, reason, iso(w.clock)],
  );
  const activationSeq = Number(inserted.rows[0]?.seq);
  await appendAudit(
    tx,
    {
      actor: w.actor,
      service: "scavenger",
      action: action === "rolled-back" ? "config.rollback" : "config.activate",
      target: `scavenger-config:${version}`,
      reason,
      before: { activeVersion: previousVersion },
      after: { activeVersion: version },
    },
    w.clock,
  );
  await publishInTransaction(
    tx,
    "config-change",
    {
      version: 1,
      changeId: randomUUID(),
      service: "scavenger",
      configKind: CONFIG_KIND,
      configVersion: version,
      action,
      previousVersion,
      changedBy: principalOf(w.actor),
      reason,
      tsMs: Math.floor(w.clock.nowMs()),
    },
    { source: "scavenger", clock: w.clock },
  );
  // Delivered to every listening instance only if and when this transaction commits.
  await tx.query("scavenger_config_notify", "SELECT pg_notify($1, $2)", [CONFIG_CHANNEL, String(activationSeq)]);
  return { version, parameters, activationSeq, previousVersion, action };
};

/** Makes `version` the active one (a rollback when it is older than the active one). */
export const activateConfigVersion = (db: Database, version: number, reason: string, w: WriteContext): Promise<Activation> =>
  db.transaction(async (tx) => {
    await tx.query("scavenger_config_lock", LOCK_SQL);
    return activateIn(tx, version, reason, w);
  });

/** First start: version 1 = domain.md's defaults, active. Later starts (and racing instances) find it and do nothing. */
export const ensureDefaultVersion = (db: Database, clock: Clock): Promise<boolean> =>
  db.transaction(async (tx) => {
    await tx.query("scavenger_config_lock", LOCK_SQL);
    const { rows } = await tx.query<{ n: number }>("scavenger_config_count", "SELECT count(*)::int AS n FROM config_versions");
    if ((rows[0]?.n ?? 0) > 0) return false;
    const w: WriteContext = { actor: { kind: "system", id: "scavenger", name: "scavenger first start" }, clock };
    const reason = "first start: domain.md defaults";
    const sha = await insertVersion(tx, 1, DEFAULT_SCAVENGER_PARAMETERS, reason, null, w);
    await appendAudit(
      tx,
      { actor: w.actor, service: "scavenger", action: "config.create", target: "scavenger-config:1", reason, before: null, after: { version: 1, parametersSha256: sha, parameters: DEFAULT_SCAVENGER_PARAMETERS } },
      clock,
    );
    await activateIn(tx, 1, reason, w);
    return true;
  });
