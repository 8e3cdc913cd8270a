import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { listAuditEvents, verifyAuditChain } from "../../../services/shared/audit/index.js";
import {
  createAuthenticator,
  ensureBootstrapAdminToken,
  issueApiToken,
  revokeApiToken,
  revokeBootstrapTokens,
} from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Database } from "../../../services/shared/db/database.js";
import { provisionedTestDatabase, type ProvisionedTestDatabase } from "./provisioned-database.js";

const SECRET = "test-service-token-secret-0123456789abcdef";
let pg: ProvisionedTestDatabase;
let consoleDb: Database;
const clock = new ManualClock();
let file: string;
let logLines: string[];
const log = (line: string): void => void logLines.push(line);
const mode = (path: string): number => statSync(path).mode & 0o777;
const authenticate = (token: string) => createAuthenticator({ db: consoleDb, serviceTokenSecret: SECRET, clock }).authenticate({ headers: { authorization: `Bearer ${token}` } });

const revokeAllAdmins = async (): Promise<void> => {
  await pg.pool.query("UPDATE auth.api_tokens SET revoked_at = now() WHERE revoked_at IS NULL");
};

beforeAll(async () => {
  pg = await provisionedTestDatabase("bootstrap");
  consoleDb = pg.connect("console");
});

beforeEach(async () => {
  await revokeAllAdmins();
  file = join(inject("scratchDir"), `bootstrap-${randomBytes(4).toString("hex")}`, "secrets", "bootstrap-admin-token");
  logLines = [];
});

describe("bootstrap admin token", () => {
  it("is issued on a first start, written to a 0600 file in a 0700 directory, and works as an admin", async () => {
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("created");
    expect(mode(file)).toBe(0o600);
    expect(mode(join(file, ".."))).toBe(0o700);
    const token = readFileSync(file, "utf8").trim();
    const auth = await authenticate(token);
    expect(auth).toMatchObject({ ok: true, principal: { kind: "operator", role: "admin", scopes: [] } });
    const { rows } = await pg.pool.query("SELECT is_bootstrap FROM auth.api_tokens WHERE id = $1", [auth.ok ? auth.principal.id : ""]);
    expect(rows[0]).toEqual({ is_bootstrap: true });
  });

  it("is never logged: only the file's path is", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log });
    const token = readFileSync(file, "utf8").trim();
    expect(logLines).toEqual([`bootstrap admin token written to ${file}`]);
    expect(logLines.join("\n")).not.toContain(token.slice(-43));
    const events = await listAuditEvents(consoleDb, { limit: 1000 });
    expect(JSON.stringify(events)).not.toContain(token.slice(-43));
    expect(events.at(-1)).toMatchObject({ action: "token.bootstrap", actor: { kind: "system", id: "bootstrap" } });
    expect(await verifyAuditChain(consoleDb)).toMatchObject({ ok: true });
  });

  it("is kept across restarts while it is valid, and its file mode is restored", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log });
    const first = readFileSync(file, "utf8");
    chmodSync(file, 0o644);
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("kept");
    expect(readFileSync(file, "utf8")).toBe(first);
    expect(mode(file)).toBe(0o600);
  });

  it("is replaced when the file's token was revoked and no other admin exists", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log });
    const first = readFileSync(file, "utf8").trim();
    await revokeAllAdmins();
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("created");
    const second = readFileSync(file, "utf8").trim();
    expect(second).not.toBe(first);
    expect(await authenticate(first)).toEqual({ ok: false, reason: "revoked_token" });
    expect((await authenticate(second)).ok).toBe(true);
  });

  it("is replaced when it expired", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log, ttlSeconds: 3600 });
    clock.advance(3_600_000);
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("created");
  });

  it("is not issued when a real admin token exists", async () => {
    await consoleDb.transaction((tx) =>
      issueApiToken(tx, { name: "real admin", role: "admin", scopes: [], ttlSeconds: 86_400 }, { clock, actor: { kind: "operator", id: "x", name: "x" }, service: "console" }),
    );
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("not-needed");
    expect(existsSync(file)).toBe(false);
  });

  it("is issued once when two console replicas start at the same time", async () => {
    const other = join(file, "..", "other-replica-token");
    const outcomes = await Promise.all([ensureBootstrapAdminToken({ db: consoleDb, file, clock, log }), ensureBootstrapAdminToken({ db: pg.connect("console"), file: other, clock, log })]);
    expect(outcomes.sort()).toEqual(["created", "not-needed"]);
  });

  it("ignores a file holding something else, and replaces it", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log });
    writeFileSync(file, "not a token\n");
    await revokeAllAdmins();
    expect(await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log })).toBe("created");
    expect(readFileSync(file, "utf8")).toMatch(/^ttn_/);
  });

  it("can be retired once a real admin exists, leaving that admin working", async () => {
    await ensureBootstrapAdminToken({ db: consoleDb, file, clock, log });
    const bootstrap = readFileSync(file, "utf8").trim();
    const real = await consoleDb.transaction((tx) =>
      issueApiToken(tx, { name: "real admin", role: "admin", scopes: [], ttlSeconds: 86_400 }, { clock, actor: { kind: "operator", id: "x", name: "x" }, service: "console" }),
    );
    expect(await revokeBootstrapTokens(consoleDb, clock)).toBe(1);
    expect(await authenticate(bootstrap)).toEqual({ ok: false, reason: "revoked_token" });
    expect((await authenticate(real.token)).ok).toBe(true);
    expect(await revokeBootstrapTokens(consoleDb, clock)).toBe(0);
    await consoleDb.transaction((tx) => revokeApiToken(tx, real.record.id, { clock, actor: { kind: "operator", id: "x", name: "x" }, service: "console" }));
  });
});
