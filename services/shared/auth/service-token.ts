// Service-to-service bearer tokens: `tsv1.<service>.<expiresAtMs>.<signature>`, the signature being
// HMAC-SHA256 over everything before it with TITAN_SERVICE_TOKEN_SECRET. Stateless, short-lived.
import { createHmac, timingSafeEqual } from "node:crypto";
import { SERVICE_NAMES, type ServiceName } from "../../../ops/services.js";
import type { Clock } from "../clock.js";

export const SERVICE_TOKEN_PREFIX = "tsv1.";
/** A secret shorter than this is refused: HMAC keys should carry at least 256 bits. */
export const MIN_SERVICE_TOKEN_SECRET_LENGTH = 32;
/** Longest lifetime a service token may have; a token claiming more was not issued by us. */
export const MAX_SERVICE_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export type ServiceTokenVerdict =
  | { readonly ok: true; readonly service: ServiceName; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: "malformed_token" | "invalid_token" | "expired_token" };

const TOKEN_PATTERN = /^tsv1\.([a-z][a-z0-9-]*)\.([0-9]{1,16})\.([A-Za-z0-9_-]{43})$/;

export const assertServiceTokenSecret = (secret: string): void => {
  if (secret.length < MIN_SERVICE_TOKEN_SECRET_LENGTH) {
    throw new Error(`the service token secret must be at least ${MIN_SERVICE_TOKEN_SECRET_LENGTH} characters`);
  }
};

const sign = (payload: string, secret: string): Buffer => createHmac("sha256", secret).update(payload).digest();

const isServiceName = (name: string): name is ServiceName => (SERVICE_NAMES as readonly string[]).includes(name);

export const issueServiceToken = (service: ServiceName, secret: string, clock: Clock, ttlMs: number): string => {
  assertServiceTokenSecret(secret);
  if (!isServiceName(service)) throw new Error(`unknown service ${JSON.stringify(service)}`);
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > MAX_SERVICE_TOKEN_TTL_MS) {
    throw new RangeError(`service token ttlMs must be an integer in (0, ${MAX_SERVICE_TOKEN_TTL_MS}], got ${ttlMs}`);
  }
  const payload = `${SERVICE_TOKEN_PREFIX}${service}.${Math.floor(clock.nowMs()) + ttlMs}`;
  return `${payload}.${sign(payload, secret).toString("base64url")}`;
};

export const verifyServiceToken = (token: string, secret: string, clock: Clock): ServiceTokenVerdict => {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: "malformed_token" };
  const [, service = "", expiry = "", signature = ""] = match;
  const payload = `${SERVICE_TOKEN_PREFIX}${service}.${expiry}`;
  const given = Buffer.from(signature, "base64url");
  const expected = sign(payload, secret);
  // Both are 32 bytes by the pattern; the length check only guards timingSafeEqual's precondition.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "invalid_token" };
  if (!isServiceName(service)) return { ok: false, reason: "invalid_token" };
  const expiresAtMs = Number(expiry);
  const nowMs = clock.nowMs();
  if (expiresAtMs <= nowMs) return { ok: false, reason: "expired_token" };
  if (expiresAtMs > nowMs + MAX_SERVICE_TOKEN_TTL_MS) return { ok: false, reason: "invalid_token" };
  return { ok: true, service, expiresAtMs };
};

/**
 * A caller's source of service tokens: reissues once less than half the lifetime remains, so a
 * token in flight never expires mid-request and the HMAC runs rarely.
 */
export const serviceTokenSource = (service: ServiceName, secret: string, clock: Clock, ttlMs = 5 * 60 * 1000): (() => string) => {
  assertServiceTokenSecret(secret);
  let current: { token: string; expiresAtMs: number } | null = null;
  return () => {
    const nowMs = clock.nowMs();
    if (current === null || current.expiresAtMs - nowMs < ttlMs / 2) {
      current = { token: issueServiceToken(service, secret, clock, ttlMs), expiresAtMs: nowMs + ttlMs };
    }
    return current.token;
  };
};
