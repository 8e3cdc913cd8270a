import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SECURITY } from "../../../ops/index.js";
import { ROTATE_AFTER_MS, STALE_AFTER_MS, accessReview, tokenFindings, userFindings, type ReviewedToken, type ReviewedUser } from "./access-review.js";

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 5, 30, 12);

const user = (over: Partial<ReviewedUser> = {}): ReviewedUser => ({
  id: "u1",
  username: "olga",
  role: "operator",
  mfa: true,
  disabled: false,
  createdAtMs: NOW_MS - 200 * DAY_MS,
  credentialsSetAtMs: NOW_MS - 200 * DAY_MS,
  lastLoginAtMs: NOW_MS - DAY_MS,
  ...over,
});

const token = (over: Partial<ReviewedToken> = {}): ReviewedToken => ({
  id: "t1",
  name: "oncall-olga",
  role: "operator",
  createdAtMs: NOW_MS - 10 * DAY_MS,
  expiresAtMs: NOW_MS + 20 * DAY_MS,
  revokedAtMs: null,
  lastUsedAtMs: NOW_MS - DAY_MS,
  isBootstrap: false,
  ...over,
});

describe("the access review's periods", () => {
  it("come from ops/ SECURITY: stale after one review period, rotation after the key rotation period", () => {
    expect(STALE_AFTER_MS).toBe(SECURITY.accessReviewSeconds.value * 1000);
    expect(ROTATE_AFTER_MS).toBe(SECURITY.apiKeyRotationSeconds.value * 1000);
  });
});

describe("a user", () => {
  it("is stale exactly when their last login (or enrollment, if none) is older than the review period", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * STALE_AFTER_MS }), fc.boolean(), (agoMs, loggedIn) => {
        const u = loggedIn ? user({ lastLoginAtMs: NOW_MS - agoMs }) : user({ lastLoginAtMs: null, createdAtMs: NOW_MS - agoMs });
        const stale = userFindings(u, NOW_MS).some((f) => f.finding === "stale-account");
        expect(stale).toBe(agoMs > STALE_AFTER_MS);
      }),
    );
  });

  it("says how long it has been and what to do", () => {
    expect(userFindings(user({ lastLoginAtMs: NOW_MS - 100 * DAY_MS }), NOW_MS)[0]?.detail).toBe("no login for 100 days (review period 91 days): disable the account unless it is still needed");
    expect(userFindings(user({ lastLoginAtMs: null, createdAtMs: NOW_MS - 95 * DAY_MS }), NOW_MS)[0]?.detail).toMatch(/^never logged in since enrolling 95 days ago/);
  });

  it("needs the second factor its role requires (ops/ SECURITY.mfaRequiredRoles)", () => {
    for (const role of ["viewer", "operator", "admin"] as const) {
      const missing = userFindings(user({ role, mfa: false }), NOW_MS).some((f) => f.finding === "mfa-missing");
      expect(missing, role).toBe((SECURITY.mfaRequiredRoles.value as readonly string[]).includes(role));
    }
  });

  it("has no findings once disabled", () => {
    expect(userFindings(user({ disabled: true, mfa: false, lastLoginAtMs: null, createdAtMs: 0 }), NOW_MS)).toEqual([]);
  });
});

describe("a token", () => {
  it("is stale exactly when unused (or never used since issue) for longer than the review period", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * STALE_AFTER_MS }), fc.boolean(), (agoMs, used) => {
        const t = used ? token({ createdAtMs: NOW_MS - agoMs - DAY_MS, lastUsedAtMs: NOW_MS - agoMs }) : token({ createdAtMs: NOW_MS - agoMs, lastUsedAtMs: null });
        expect(tokenFindings(t, NOW_MS, true).some((f) => f.finding === "stale-token")).toBe(agoMs > STALE_AFTER_MS);
      }),
    );
  });

  it("is due for rotation exactly past the rotation period, however often it is used", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * ROTATE_AFTER_MS }), (ageMs) => {
        const t = token({ createdAtMs: NOW_MS - ageMs, lastUsedAtMs: NOW_MS, expiresAtMs: NOW_MS + DAY_MS });
        expect(tokenFindings(t, NOW_MS, true).some((f) => f.finding === "rotation-due")).toBe(ageMs > ROTATE_AFTER_MS);
      }),
    );
  });

  it("flags the bootstrap token only once an admin exists", () => {
    const bootstrap = token({ name: "bootstrap-admin", role: "admin", isBootstrap: true });
    expect(tokenFindings(bootstrap, NOW_MS, false)).toEqual([]);
    expect(tokenFindings(bootstrap, NOW_MS, true).map((f) => f.finding)).toEqual(["bootstrap-token-live"]);
  });

  it("never flags a browser session's delegated token: it ends with the session", () => {
    expect(tokenFindings(token({ name: "console session olga", createdAtMs: 0, lastUsedAtMs: null }), NOW_MS, true)).toEqual([]);
  });
});

describe("the review", () => {
  const review = accessReview(
    [user(), user({ id: "u2", username: "sam", lastLoginAtMs: NOW_MS - 120 * DAY_MS }), user({ id: "u3", username: "alice", role: "admin" }), user({ id: "u4", username: "gone", disabled: true, lastLoginAtMs: null })],
    [
      token(),
      token({ id: "t2", name: "old-bot", createdAtMs: NOW_MS - 100 * DAY_MS, lastUsedAtMs: null, expiresAtMs: NOW_MS + 200 * DAY_MS }),
      token({ id: "t3", name: "revoked", revokedAtMs: NOW_MS - DAY_MS }),
      token({ id: "t4", name: "expired", expiresAtMs: NOW_MS - 1 }),
      token({ id: "t5", name: "console session alice", lastUsedAtMs: NOW_MS }),
    ],
    NOW_MS,
  );

  it("lists every user and only the live tokens, with ages in days", () => {
    expect(review.users.map((u) => [u.username, u.daysSinceLogin, u.findings])).toEqual([
      ["olga", 1, []],
      ["sam", 120, ["stale-account"]],
      ["alice", 1, []],
      ["gone", null, []],
    ]);
    expect(review.tokens.map((t) => [t.name, t.ageDays, t.daysSinceUse, t.expiresInDays, t.consoleSession, t.findings])).toEqual([
      ["oncall-olga", 10, 1, 20, false, []],
      ["old-bot", 100, null, 200, false, ["stale-token", "rotation-due"]],
      ["console session alice", 10, 0, 20, true, []],
    ]);
  });

  it("gathers the findings, users first, each naming its subject", () => {
    expect(review.findings.map((f) => `${f.subject}:${f.name}:${f.finding}`)).toEqual(["user:sam:stale-account", "token:old-bot:stale-token", "token:old-bot:rotation-due"]);
    expect(review.reviewEveryDays).toBe(SECURITY.accessReviewSeconds.value / 86_400);
  });
});
