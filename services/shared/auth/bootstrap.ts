// The first admin: on a start with no usable admin token, one is issued and written to a file only its
// owner can read. The token never reaches a log or the terminal; only the file's path is logged.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import type { AuditActor } from "../audit/index.js";
import { systemClock, type Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { writeSecretFile } from "../secret-file.js";
import { apiTokenMatches, parseApiToken } from "./api-token-format.js";
import { activeAdminTokenExists, activeBootstrapTokenIds, findApiToken, tokenUnusableReason } from "./api-token-store.js";
import { issueApiToken, revokeApiToken } from "./api-tokens.js";

export const BOOTSTRAP_ACTOR: AuditActor = { kind: "system", id: "bootstrap", name: "first-start bootstrap" };
/** Long enough to set up the first real admin; a restart after it lapses issues a new one. */
export const BOOTSTRAP_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Two console replicas starting at once must not both issue a token. */
const BOOTSTRAP_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('titan.auth.bootstrap', 0))";

export interface BootstrapOptions {
  readonly db: Database;
  /** Where the token is written (mode 0600; its directory is created 0700). */
  readonly file: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly ttlSeconds?: number;
  /** The service named in the audit event. */
  readonly service?: string;
}

export type BootstrapOutcome = "kept" | "created" | "not-needed";

/** The file's token when it is an admin token PostgreSQL still accepts. */
const fileTokenIsValid = async (db: Database, file: string, nowMs: number): Promise<boolean> => {
  if (!existsSync(file)) return false;
  const token = readFileSync(file, "utf8").trim();
  const parsed = parseApiToken(token);
  if (parsed === null) return false;
  const record = await findApiToken(db, parsed.id);
  return record !== null && record.role === "admin" && apiTokenMatches(token, record.tokenSha256) && tokenUnusableReason(record, nowMs) === null;
};


/**
 * Makes sure an admin can act on a fresh installation. Keeps a still-valid token in `file`; otherwise,
 * when no active admin token exists at all, issues one (is_bootstrap) and writes it to `file` before
 * the transaction commits, so a failed write leaves no unusable admin behind.
 */
export const ensureBootstrapAdminToken = async (opts: BootstrapOptions): Promise<BootstrapOutcome> => {
  const nowMs = opts.clock.nowMs();
  if (await fileTokenIsValid(opts.db, opts.file, nowMs)) {
    chmodSync(opts.file, 0o600);
    opts.log(`bootstrap admin token still valid in ${opts.file}`);
    return "kept";
  }
  const outcome = await opts.db.transaction(async (tx): Promise<BootstrapOutcome> => {
    await tx.query("auth_bootstrap_lock", BOOTSTRAP_LOCK_SQL);
    if (await activeAdminTokenExists(tx, nowMs)) return "not-needed";
    const issued = await issueApiToken(
      tx,
      { name: "bootstrap admin", role: "admin", scopes: [], ttlSeconds: opts.ttlSeconds ?? BOOTSTRAP_TOKEN_TTL_SECONDS },
      { clock: opts.clock, actor: BOOTSTRAP_ACTOR, service: opts.service ?? "console", isBootstrap: true, reason: "no active admin token on start" },
    );
    writeSecretFile(opts.file, `${issued.token}\n`);
    return "created";
  });
  opts.log(outcome === "created" ? `bootstrap admin token written to ${opts.file}` : "an admin token exists; no bootstrap token issued");
  return outcome;
};

/**
 * Revokes every active bootstrap token (once a real admin exists; the console decides when).
 * Returns how many were revoked, each with its audit event.
 */
export const revokeBootstrapTokens = async (db: Database, clock: Clock = systemClock, actor: AuditActor = BOOTSTRAP_ACTOR, service = "console"): Promise<number> =>
  db.transaction(async (tx) => {
    const ids = await activeBootstrapTokenIds(tx, clock.nowMs());
    for (const id of ids) await revokeApiToken(tx, id, { clock, actor, service, reason: "a real admin exists; bootstrap token retired" });
    return ids.length;
  });
