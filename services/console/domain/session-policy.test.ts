import { describe, expect, it } from "vitest";
import { LAST_SEEN_RESOLUTION_MS, sessionVerdict, shouldTouch } from "./session-policy.js";

const s = { createdAtMs: 0, lastSeenAtMs: 1_000, expiresAtMs: 100_000, revokedAtMs: null };

describe("session policy", () => {
  it("is ok while fresh, idle after the idle limit, expired at its absolute expiry, revoked above all", () => {
    expect(sessionVerdict(s, 10_000, 30_000)).toBe("ok");
    expect(sessionVerdict(s, 31_000, 30_000)).toBe("idle");
    expect(sessionVerdict({ ...s, lastSeenAtMs: 99_000 }, 100_000, 30_000)).toBe("expired");
    expect(sessionVerdict({ ...s, revokedAtMs: 5 }, 10_000, 30_000)).toBe("revoked");
  });

  it("records use at most once per resolution", () => {
    expect(shouldTouch(s, 1_000 + LAST_SEEN_RESOLUTION_MS - 1)).toBe(false);
    expect(shouldTouch(s, 1_000 + LAST_SEEN_RESOLUTION_MS)).toBe(true);
  });
});
