import { describe, expect, it } from "vitest";
import { renderAccessReview, renderUsers, type AccessReviewView } from "./users.js";

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 5, 30, 12);

describe("titanctl user list", () => {
  it("prints one aligned row per user, with state and last login", () => {
    const text = renderUsers([
      { username: "alice", role: "admin", mfa: true, disabled: false, locked: false, createdBy: "bootstrap", lastLoginAtMs: NOW_MS, activeSessions: 1 },
      { username: "victor", role: "viewer", mfa: false, disabled: true, locked: false, createdBy: "user:1", lastLoginAtMs: null, activeSessions: 0 },
    ]);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^USER\s+ROLE\s+MFA\s+STATE\s+LAST LOGIN\s+SESSIONS\s+CREATED BY$/);
    expect(lines[1]).toMatch(/^alice\s+admin\s+yes\s+active\s+2026-06-30T12:00:00Z\s+1\s+bootstrap$/);
    expect(lines[2]).toMatch(/^victor\s+viewer\s+no\s+disabled\s+never\s+0\s+user:1$/);
  });
});

describe("titanctl access-review", () => {
  const review: AccessReviewView = {
    generatedAtMs: NOW_MS,
    reviewEveryDays: 91,
    staleAfterDays: 91,
    rotateAfterDays: 90,
    users: [{ username: "sam", role: "operator", mfa: true, disabled: false, locked: false, createdBy: "user:1", lastLoginAtMs: NOW_MS - 120 * DAY_MS, activeSessions: 0, daysSinceLogin: 120, credentialAgeDays: 200, findings: ["stale-account"] }],
    tokens: [
      { id: "t1", name: "old-bot", role: "viewer", createdBy: "user:1", ageDays: 100, daysSinceUse: null, expiresInDays: 200, consoleSession: false, findings: ["stale-token", "rotation-due"] },
      { id: "t2", name: "console session sam", role: "operator", createdBy: "user:2", ageDays: 0, daysSinceUse: 0, expiresInDays: 1, consoleSession: true, findings: [] },
    ],
    findings: [
      { subject: "user", name: "sam", finding: "stale-account", detail: "no login for 120 days" },
      { subject: "token", name: "old-bot", finding: "stale-token", detail: "never used in 100 days" },
    ],
  };

  it("shows users, tokens with age and last use, and every finding with what to do", () => {
    const text = renderAccessReview(review);
    expect(text).toContain("every 91 days; access unused for 91 days is stale; tokens older than 90 days are rotated");
    expect(text).toMatch(/sam\s+operator\s+yes\s+active\s+120 d ago\s+200 d old\s+stale-account/);
    expect(text).toMatch(/old-bot\s+t1\s+viewer\s+100 d\s+never\s+200 d\s+user:1\s+stale-token,rotation-due/);
    expect(text).toMatch(/console session sam\s+t2.*\(browser session\)/);
    expect(text).toContain("Findings (2):\n- user sam: stale-account: no login for 120 days\n- token old-bot: stale-token: never used in 100 days");
  });

  it("says so when there is nothing to act on", () => {
    expect(renderAccessReview({ ...review, findings: [] })).toMatch(/Findings \(0\):\nno findings$/);
  });
});
