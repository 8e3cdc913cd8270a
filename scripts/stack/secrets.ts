// Secrets of the local stack, generated once into 0600 files and reused on every later start, so a
// restart never invalidates database passwords or issued service tokens.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_NAMES, type ServiceName } from "../../ops/services.js";

export interface StackSecrets {
  readonly databasePasswords: Readonly<Record<ServiceName, string>>;
  readonly serviceTokenSecret: string;
  /** The bearer token Alertmanager presents to the console's incident webhook. */
  readonly alertmanagerWebhookToken: string;
}

export interface SecretFiles {
  databasePassword(service: ServiceName): string;
  readonly serviceTokenSecret: string;
  /** Written by the console on its first start (never printed), read by titanctl. */
  readonly bootstrapAdminToken: string;
  /** Read by Alertmanager (credentials_file) and by the console (TITAN_CONSOLE_ALERTMANAGER_TOKEN_FILE's default). */
  readonly alertmanagerWebhookToken: string;
}

export const secretFiles = (secretsDir: string): SecretFiles => ({
  databasePassword: (service) => join(secretsDir, `db-password-${service}`),
  serviceTokenSecret: join(secretsDir, "service-token-secret"),
  bootstrapAdminToken: join(secretsDir, "bootstrap-admin-token"),
  alertmanagerWebhookToken: join(secretsDir, "alertmanager-webhook-token"),
});

/** URL-safe random text: `bytes` of entropy, 4/3 as many characters. */
export const randomSecret = (bytes: number): string => randomBytes(bytes).toString("base64url");

const SERVICE_TOKEN_SECRET_BYTES = 48; // 64 characters, above the 48-character floor
const DATABASE_PASSWORD_BYTES = 32;
const WEBHOOK_TOKEN_BYTES = 32;
/** Tells the token apart from API tokens (ttn_) and service tokens (tsv1.), which the console tries first. */
const WEBHOOK_TOKEN_PREFIX = "tam_";

const readOrCreate = (file: string, make: () => string, created: string[]): string => {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const value = readFileSync(file, "utf8").trim();
    if (value.length > 0) return value;
  }
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  created.push(file);
  return value;
};

/** Reads every secret, creating the missing ones; the folder is kept at 0700 and each file at 0600. */
export const ensureSecrets = (secretsDir: string): { secrets: StackSecrets; created: string[] } => {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  chmodSync(secretsDir, 0o700);
  const files = secretFiles(secretsDir);
  const created: string[] = [];
  const databasePasswords = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, readOrCreate(files.databasePassword(service), () => randomSecret(DATABASE_PASSWORD_BYTES), created)]),
  ) as Record<ServiceName, string>;
  const serviceTokenSecret = readOrCreate(files.serviceTokenSecret, () => randomSecret(SERVICE_TOKEN_SECRET_BYTES), created);
  const alertmanagerWebhookToken = readOrCreate(files.alertmanagerWebhookToken, () => `${WEBHOOK_TOKEN_PREFIX}${randomSecret(WEBHOOK_TOKEN_BYTES)}`, created);
  return { secrets: { databasePasswords, serviceTokenSecret, alertmanagerWebhookToken }, created };
};
