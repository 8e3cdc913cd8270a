import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { MAX_SERVICE_TOKEN_TTL_MS, issueServiceToken, serviceTokenSource, verifyServiceToken } from "./service-token.js";

const SECRET = "s".repeat(40);
const OTHER_SECRET = "o".repeat(40);

describe("service tokens", () => {
  it("carry the service and expiry, and verify with the same secret", () => {
    const clock = new ManualClock();
    const token = issueServiceToken("brain", SECRET, clock, 60_000);
    expect(token).toMatch(/^tsv1\.brain\.\d+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyServiceToken(token, SECRET, clock)).toEqual({ ok: true, service: "brain", expiresAtMs: clock.nowMs() + 60_000 });
  });

  it("expire at their expiry time", () => {
    const clock = new ManualClock();
    const token = issueServiceToken("ai-quant", SECRET, clock, 60_000);
    clock.advance(59_999);
    expect(verifyServiceToken(token, SECRET, clock).ok).toBe(true);
    clock.advance(1);
    expect(verifyServiceToken(token, SECRET, clock)).toEqual({ ok: false, reason: "expired_token" });
  });

  it("are refused when signed with another secret", () => {
    const clock = new ManualClock();
    expect(verifyServiceToken(issueServiceToken("brain", OTHER_SECRET, clock, 60_000), SECRET, clock)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("are refused when the service or expiry is altered", () => {
    const clock = new ManualClock();
    const token = issueServiceToken("scavenger", SECRET, clock, 60_000);
    expect(verifyServiceToken(token.replace("scavenger", "execution"), SECRET, clock)).toEqual({ ok: false, reason: "invalid_token" });
    const [prefix, service, expiry, sig] = token.split(".");
    const later = `${prefix}.${service}.${Number(expiry) + 1000}.${sig}`;
    expect(verifyServiceToken(later, SECRET, clock)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("are malformed when they do not have the token's shape", () => {
    const clock = new ManualClock();
    for (const bad of ["", "tsv1.", "tsv1.brain.123", "tsv1.brain.abc.xyz", "tsv2.brain.1.AAAA", `tsv1.Brain.1.${"A".repeat(43)}`]) {
      expect(verifyServiceToken(bad, SECRET, clock)).toEqual({ ok: false, reason: "malformed_token" });
    }
  });

  it("claiming a lifetime longer than any issued are refused", () => {
    const clock = new ManualClock();
    const late = new ManualClock(clock.nowMs() + MAX_SERVICE_TOKEN_TTL_MS);
    const token = issueServiceToken("brain", SECRET, late, 60_000);
    expect(verifyServiceToken(token, SECRET, clock)).toEqual({ ok: false, reason: "invalid_token" });
  });

  it("refuse a short secret, an unknown service and a lifetime out of range", () => {
    const clock = new ManualClock();
    expect(() => issueServiceToken("brain", "short", clock, 60_000)).toThrow(/at least 32/);
    expect(() => issueServiceToken("nobody" as "brain", SECRET, clock, 60_000)).toThrow(/unknown service/);
    expect(() => issueServiceToken("brain", SECRET, clock, 0)).toThrow(RangeError);
    expect(() => issueServiceToken("brain", SECRET, clock, MAX_SERVICE_TOKEN_TTL_MS + 1)).toThrow(RangeError);
  });

  it("are reissued by a source once half their lifetime has passed", () => {
    const clock = new ManualClock();
    const next = serviceTokenSource("execution", SECRET, clock, 60_000);
    const first = next();
    clock.advance(29_000);
    expect(next()).toBe(first);
    clock.advance(2_000);
    const second = next();
    expect(second).not.toBe(first);
    expect(verifyServiceToken(second, SECRET, clock).ok).toBe(true);
  });
});
