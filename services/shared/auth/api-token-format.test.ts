import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apiTokenMatches, generateApiToken, hashApiToken, parseApiToken } from "./api-token-format.js";

describe("API token format", () => {
  it("is ttn_<uuid>_<43 base64url secret>, and parses back to its id and secret", () => {
    for (let i = 0; i < 200; i += 1) {
      const t = generateApiToken();
      expect(t.token).toMatch(/^ttn_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(parseApiToken(t.token)).toEqual({ id: t.id, secret: t.secret });
      expect(Buffer.from(t.secret, "base64url")).toHaveLength(32);
    }
  });

  it("keeps only a sha256 of the whole token, which matches that token and no other", () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a.sha256.equals(hashApiToken(a.token))).toBe(true);
    expect(apiTokenMatches(a.token, a.sha256)).toBe(true);
    expect(apiTokenMatches(b.token, a.sha256)).toBe(false);
    expect(apiTokenMatches(`ttn_${a.id}_${b.secret}`, a.sha256)).toBe(false);
    expect(apiTokenMatches(a.token, Buffer.alloc(5))).toBe(false);
  });

  it("rejects anything not in the format", () => {
    const { id, secret } = generateApiToken();
    for (const bad of ["", "ttn_", `ttn_${id}`, `ttn_${id}_`, `ttn_${id.toUpperCase()}_${secret}`, `ttn_${id}_${secret}x`, `ttn_${id}x_${secret}`, `ttx_${id}_${secret}`, ` ttn_${id}_${secret}`]) {
      expect(parseApiToken(bad)).toBeNull();
    }
  });

  it("never parses a string whose secret part is not exactly 43 base64url characters", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const parsed = parseApiToken(`ttn_01234567-89ab-4def-8123-456789abcdef_${s}`);
        expect(parsed === null || /^[A-Za-z0-9_-]{43}$/.test(parsed.secret)).toBe(true);
      }),
    );
  });
});
