// What a browser session is made of, as pure functions: the cookie value `<sessionId>.<secret>`, the
// CSRF token and the delegated API token, both derived from the secret so that no instance needs to
// store them and any instance behind the load balancer can rebuild them from the cookie.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { API_TOKEN_PREFIX } from "../../shared/auth/index.js";

/** `__Host-`: the browser only accepts it Secure, for path /, from this host, with no Domain. */
export const SESSION_COOKIE = "__Host-titan_session";
export const CSRF_HEADER = "x-csrf-token";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const COOKIE_PATTERN = new RegExp(`^(${UUID})\\.([A-Za-z0-9_-]{43})$`);

export interface SessionCredential {
  readonly sessionId: string;
  readonly secret: string;
}

export const newSessionCredential = (): SessionCredential => ({ sessionId: randomUUID(), secret: randomBytes(32).toString("base64url") });

export const sessionCookieValue = (c: SessionCredential): string => `${c.sessionId}.${c.secret}`;

export const parseSessionCookieValue = (value: string): SessionCredential | null => {
  const match = COOKIE_PATTERN.exec(value);
  return match ? { sessionId: match[1] ?? "", secret: match[2] ?? "" } : null;
};

export const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

export const secretMatches = (secret: string, storedSha256: Buffer): boolean => {
  const presented = sha256(secret);
  return presented.length === storedSha256.length && timingSafeEqual(presented, storedSha256);
};

const derive = (secret: string, purpose: string): string => createHmac("sha256", secret).update(purpose).digest("base64url");

/** The CSRF token a page sends back in X-CSRF-Token: bound to the session, useless without its cookie. */
export const csrfTokenFor = (secret: string): string => derive(secret, "titan-console:csrf");

export const csrfTokenMatches = (secret: string, presented: string | undefined): boolean => {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenFor(secret));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
};

/** The API token the console acts with on the session's behalf: `ttn_<tokenId>_<HMAC of the secret>`. */
export const delegateTokenFor = (secret: string, tokenId: string): string => `${API_TOKEN_PREFIX}${tokenId}_${derive(secret, `titan-console:delegate:${tokenId}`)}`;

export interface CookieOptions {
  readonly maxAgeSeconds: number;
}

/** Set-Cookie for the session: httpOnly (no script reads it), Secure, SameSite=Strict (no cross-site request carries it). */
export const sessionSetCookie = (value: string, opts: CookieOptions): string =>
  `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}; HttpOnly; Secure; SameSite=Strict`;

export const sessionClearCookie = (): string => `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;

/** The cookies of a Cookie header; a repeated name keeps its first value, malformed pairs are skipped. */
export const parseCookies = (header: string | undefined): Record<string, string> => {
  const cookies: Record<string, string> = {};
  if (header === undefined) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name !== "" && !(name in cookies)) cookies[name] = value;
  }
  return cookies;
};
