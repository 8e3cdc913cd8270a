// The exchange API key pair as execution holds it: read from its two secret files (a Kubernetes
// Secret's keys, or files an operator writes), and the key's creation time as the venue itself records
// it (Bybit's GET /v5/user/query-api `createdAt`), which is where the key's age comes from: it holds
// for whichever way the files were delivered, copied or restored, where a file's mtime would not.

import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";

export interface ApiCredentials {
  readonly apiKey: string;
  readonly secret: string;
}

/** TITAN_BYBIT_API_KEY_FILE and TITAN_BYBIT_API_SECRET_FILE: watched, and the pair used anew when they change. */
export interface CredentialFiles {
  readonly apiKeyFile: string;
  readonly secretFile: string;
}

export class CredentialFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialFileError";
  }
}

const readSecretFile = (path: string, variable: string): string => {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new CredentialFileError(`${variable}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // As the configuration loader reads secret files: the trailing newline of `echo` and editors is not part of it.
  const value = content.replace(/[\r\n]+$/, "");
  if (value === "") throw new CredentialFileError(`${variable}: '${path}' is empty`);
  if (/\s/.test(value)) throw new CredentialFileError(`${variable}: '${path}' holds white space inside the value`);
  return value;
};

export const readCredentialFiles = (files: CredentialFiles): ApiCredentials => ({
  apiKey: readSecretFile(files.apiKeyFile, "TITAN_BYBIT_API_KEY_FILE"),
  secret: readSecretFile(files.secretFile, "TITAN_BYBIT_API_SECRET_FILE"),
});

/** What changes when either file is replaced (rewritten, renamed over, or a Kubernetes symlink swap). */
export const credentialFilesStamp = (files: CredentialFiles): string =>
  [files.apiKeyFile, files.secretFile]
    .map((file) => {
      try {
        const s = statSync(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return "missing";
      }
    })
    .join("|");

export const sameCredentials = (a: ApiCredentials, b: ApiCredentials): boolean => a.apiKey === b.apiKey && a.secret === b.secret;

/** Names a key in logs without revealing it: the first 8 hex digits of its SHA-256. */
export const keyFingerprint = (apiKey: string): string => createHash("sha256").update(apiKey).digest("hex").slice(0, 8);

/**
 * The key's creation time from Bybit's query-api reply (`result.createdAt`, ISO 8601). Throws when the
 * reply has none: an age made up from anything else would hide a key that is overdue.
 */
export const parseKeyCreatedAtMs = (reply: unknown): number => {
  const result = typeof reply === "object" && reply !== null ? (reply as { result?: unknown }).result : undefined;
  const createdAt = typeof result === "object" && result !== null ? (result as { createdAt?: unknown }).createdAt : undefined;
  const ms = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`bybit query-api: field createdAt has unexpected value ${JSON.stringify(createdAt)?.slice(0, 80)}`);
  return ms;
};

/** Age in seconds at `nowMs`; never negative (a clock behind the exchange's would read as a key from the future). */
export const keyAgeSeconds = (createdAtMs: number, nowMs: number): number => Math.max(0, (nowMs - createdAtMs) / 1_000);
