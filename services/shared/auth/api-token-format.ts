// Operator API tokens: `ttn_<id>_<secret>`. The id (a UUID, as the contracts name tokens) is the lookup
// key and safe to show; the secret (32 random bytes, base64url) is shown once. Only sha256 of the whole
// token is stored.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export const API_TOKEN_PREFIX = "ttn_";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const API_TOKEN_PATTERN = new RegExp(`^ttn_(${UUID})_([A-Za-z0-9_-]{43})$`);
export const API_TOKEN_ID_PATTERN = new RegExp(`^${UUID}$`);

export interface ParsedApiToken {
  readonly id: string;
  readonly secret: string;
}

export interface GeneratedApiToken extends ParsedApiToken {
  /** The full token, handed to its owner once and never stored. */
  readonly token: string;
  readonly sha256: Buffer;
}

/** The id and secret of a well-formed token, or null. The fixed-shape id (no `_`) keeps the split unambiguous. */
export const parseApiToken = (token: string): ParsedApiToken | null => {
  const match = API_TOKEN_PATTERN.exec(token);
  if (!match) return null;
  const [, id = "", secret = ""] = match;
  return { id, secret };
};

export const hashApiToken = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

export const generateApiToken = (): GeneratedApiToken => {
  const id = randomUUID();
  const secret = randomBytes(32).toString("base64url");
  const token = `${API_TOKEN_PREFIX}${id}_${secret}`;
  return { id, secret, token, sha256: hashApiToken(token) };
};

/** Constant-time comparison of a presented token against the stored hash. */
export const apiTokenMatches = (token: string, storedSha256: Buffer): boolean => {
  const presented = hashApiToken(token);
  return storedSha256.length === presented.length && timingSafeEqual(presented, storedSha256);
};
