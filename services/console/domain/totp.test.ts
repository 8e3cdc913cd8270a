import { describe, expect, it } from "vitest";
import { TOTP_PERIOD_SECONDS, newTotpSecret, totpCode, totpStep, totpUri, verifyTotp } from "./totp.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe("TOTP", () => {
  it("matches RFC 6238's SHA-1 test vector", () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits); 6 digits → 287082.
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(totpCode(secret, 59_000)).toBe("287082");
    expect(totpCode(secret, 1_111_111_109_000)).toBe("081804");
  });

  it("accepts the current code and one step either side, nothing further", () => {
    const secret = newTotpSecret();
    const step = TOTP_PERIOD_SECONDS * 1000;
    for (const offset of [-1, 0, 1]) expect(verifyTotp(secret, totpCode(secret, T0 + offset * step), T0, null).ok).toBe(true);
    for (const offset of [-2, 2]) expect(verifyTotp(secret, totpCode(secret, T0 + offset * step), T0, null)).toEqual({ ok: false, reason: "wrong" });
  });

  it("accepts a code once: the step it matched must be later than the last one used", () => {
    const secret = newTotpSecret();
    const code = totpCode(secret, T0);
    const first = verifyTotp(secret, code, T0, null);
    expect(first).toEqual({ ok: true, step: totpStep(T0) });
    expect(verifyTotp(secret, code, T0 + 1_000, totpStep(T0))).toEqual({ ok: false, reason: "replayed" });
    const later = T0 + TOTP_PERIOD_SECONDS * 1000;
    expect(verifyTotp(secret, totpCode(secret, later), later, totpStep(T0)).ok).toBe(true);
  });

  it("refuses what is not six digits before any maths", () => {
    const secret = newTotpSecret();
    for (const bad of ["", "12345", "1234567", "12345a", " 123456"]) expect(verifyTotp(secret, bad, T0, null)).toEqual({ ok: false, reason: "malformed" });
  });

  it("gives authenticator apps an otpauth URI with the issuer and user", () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpUri(secret, "alice")).toMatch(new RegExp(`^otpauth://totp/Titan:alice\\?issuer=Titan&secret=${secret}&algorithm=SHA1&digits=6&period=30$`));
  });
});
