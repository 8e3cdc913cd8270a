import { beforeAll, describe, expect, it } from "vitest";
import { listAuditEvents, verifyAuditChain, type AuditActor } from "../../../services/shared/audit/index.js";
import {
  ApiTokenInputError,
  LAST_USED_RESOLUTION_MS,
  createAuthenticator,
  findApiToken,
  issueApiToken,
  issueServiceToken,
  revokeApiToken,
  type ApiTokenRequest,
} from "../../../services/shared/auth/index.js";
import { ManualClock } from "../../../services/shared/clock.js";
import type { Database } from "../../../services/shared/db/database.js";
import { provisionedTestDatabase, type ProvisionedTestDatabase } from "./provisioned-database.js";

const SECRET = "test-service-token-secret-0123456789abcdef";
const admin: AuditActor = { kind: "operator", id: "00000000-0000-4000-8000-000000000000", name: "first admin" };
const UNKNOWN_ID = "ffffffff-ffff-4fff-8fff-ffffffffffff";
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let pg: ProvisionedTestDatabase;
let consoleDb: Database;
let brainDb: Database;
const clock = new ManualClock();

const issue = (req: Partial<ApiTokenRequest> = {}) =>
  consoleDb.transaction((tx) => issueApiToken(tx, { name: "ci", role: "operator", scopes: [], ttlSeconds: 3600, ...req }, { clock, actor: admin, service: "console" }));

beforeAll(async () => {
  pg = await provisionedTestDatabase("apitokens");
  consoleDb = pg.connect("console");
  brainDb = pg.connect("brain");
});

describe("operator API tokens", () => {
  it("authenticate as an operator principal with the token's role and scopes", async () => {
    const { token, record } = await issue({ name: "deploy bot", role: "operator", scopes: ["trading:control"] });
    const auth = createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock });
    expect(await auth.authenticate(bearer(token))).toEqual({
      ok: true,
      principal: { kind: "operator", id: record.id, name: "deploy bot", role: "operator", scopes: ["trading:control"] },
    });
  });

  it("are stored as a sha256 only", async () => {
    const { token, record } = await issue();
    const { rows } = await pg.pool.query("SELECT * FROM auth.api_tokens WHERE id = $1", [record.id]);
    const stored = JSON.stringify(rows[0], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString("hex") : v));
    expect(stored).not.toContain(token.slice(-43));
    expect((rows[0] as { token_sha256: Buffer }).token_sha256).toHaveLength(32);
  });

  it("stop working when they expire", async () => {
    const { token } = await issue({ ttlSeconds: 60 });
    const auth = createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock });
    clock.advance(59_999);
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    clock.advance(1);
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: false, reason: "expired_token" });
  });

  it("stop working when revoked, and revoking twice changes nothing", async () => {
    const { token, record } = await issue();
    const auth = createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock });
    const revoked = await consoleDb.transaction((tx) => revokeApiToken(tx, record.id, { clock, actor: admin, service: "console", reason: "leaked" }));
    expect(revoked?.revokedAtMs).toBe(clock.nowMs());
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: false, reason: "revoked_token" });
    const eventsBefore = (await listAuditEvents(brainDb, { limit: 1000 })).length;
    clock.advance(1000);
    const again = await consoleDb.transaction((tx) => revokeApiToken(tx, record.id, { clock, actor: admin, service: "console" }));
    expect(again?.revokedAtMs).toBe(revoked?.revokedAtMs);
    expect((await listAuditEvents(brainDb, { limit: 1000 })).length).toBe(eventsBefore);
    expect(await consoleDb.transaction((tx) => revokeApiToken(tx, UNKNOWN_ID, { clock, actor: admin, service: "console" }))).toBeNull();
  });

  it("are refused with a wrong secret, an unknown id or a malformed value", async () => {
    const { token, record } = await issue();
    const auth = createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock });
    const wrongSecret = `ttn_${record.id}_${"A".repeat(43)}`;
    expect(await auth.authenticate(bearer(wrongSecret))).toEqual({ ok: false, reason: "invalid_token" });
    expect(await auth.authenticate(bearer(`ttn_${UNKNOWN_ID}_${token.slice(-43)}`))).toEqual({ ok: false, reason: "invalid_token" });
    expect(await auth.authenticate(bearer(`${token}x`))).toEqual({ ok: false, reason: "malformed_token" });
    expect(await auth.authenticate(bearer("hello"))).toEqual({ ok: false, reason: "malformed_token" });
    expect(await auth.authenticate({ headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` } })).toEqual({ ok: false, reason: "malformed_token" });
    expect(await auth.authenticate({ headers: {} })).toEqual({ ok: false, reason: "missing_credentials" });
  });

  it("write an audit event for each issue and revocation, in the same transaction, without the secret", async () => {
    const { token, record } = await issue({ name: "audited" });
    await consoleDb.transaction((tx) => revokeApiToken(tx, record.id, { clock, actor: admin, service: "console" }));
    const events = (await listAuditEvents(brainDb, { limit: 1000 })).filter((e) => e.target === `api-token:${record.id}`);
    expect(events.map((e) => e.action)).toEqual(["token.create", "token.revoke"]);
    expect(events[0]).toMatchObject({ actor: admin, service: "console", after: { name: "audited", role: "operator" } });
    expect(JSON.stringify(events)).not.toContain(token.slice(-43));
    expect(await verifyAuditChain(brainDb)).toMatchObject({ ok: true });
  });

  it("refuse a bad request and write nothing", async () => {
    const before = (await pg.pool.query("SELECT count(*)::int AS n FROM auth.api_tokens")).rows[0] as { n: number };
    await expect(issue({ ttlSeconds: 10 })).rejects.toThrow(ApiTokenInputError);
    await expect(issue({ scopes: ["NOT A SCOPE"] })).rejects.toThrow(/scope/);
    const after = (await pg.pool.query("SELECT count(*)::int AS n FROM auth.api_tokens")).rows[0] as { n: number };
    expect(after.n).toBe(before.n);
  });

  it("cannot be issued by a service other than the console", async () => {
    await expect(
      brainDb.transaction((tx) => issueApiToken(tx, { name: "x", role: "admin", scopes: [], ttlSeconds: 3600 }, { clock, actor: admin, service: "brain" })),
    ).rejects.toMatchObject({ code: "42501" });
  });

  it("record last use only where the role may write it, at most once a minute", async () => {
    const { token, record } = await issue();
    await createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock }).authenticate(bearer(token));
    expect((await findApiToken(brainDb, record.id))?.lastUsedAtMs).toBeNull();
    const consoleAuth = createAuthenticator({ db: consoleDb, serviceTokenSecret: SECRET, clock });
    await consoleAuth.authenticate(bearer(token));
    const first = clock.nowMs();
    expect((await findApiToken(brainDb, record.id))?.lastUsedAtMs).toBe(first);
    clock.advance(LAST_USED_RESOLUTION_MS - 1);
    await consoleAuth.authenticate(bearer(token));
    expect((await findApiToken(brainDb, record.id))?.lastUsedAtMs).toBe(first);
    clock.advance(2);
    await consoleAuth.authenticate(bearer(token));
    expect((await findApiToken(brainDb, record.id))?.lastUsedAtMs).toBe(clock.nowMs());
  });
});

describe("service tokens through the authenticator", () => {
  it("authenticate as the service, and are refused when expired or signed with another secret", async () => {
    const auth = createAuthenticator({ db: brainDb, serviceTokenSecret: SECRET, clock });
    const token = issueServiceToken("execution", SECRET, clock, 60_000);
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: true, principal: { kind: "service", id: "execution", name: "execution", role: "viewer", scopes: [] } });
    expect(await auth.authenticate(bearer(issueServiceToken("execution", `${SECRET}-other`, clock, 60_000)))).toEqual({ ok: false, reason: "invalid_token" });
    clock.advance(60_000);
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: false, reason: "expired_token" });
  });
});
