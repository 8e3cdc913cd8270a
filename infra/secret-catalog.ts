// Every secret a service needs: the Kubernetes Secret it arrives in, its keys, who makes its value
// (the stack generates it, or an operator stores it), and the `<VAR>_FILE` each service reads it from.
// Values never live in the repository: AWS Secrets Manager holds them in prod (delivered by the
// External Secrets Operator), generated Kubernetes Secrets in dev.
import { SERVICE_NAMES, snakeName, type ServiceName } from "../ops/index.js";
import type { SecretFile } from "./k8s/workload-spec.js";

export interface SecretSpec {
  /** Kubernetes Secret name, also the last part of the Secrets Manager name. */
  readonly name: string;
  readonly keys: readonly string[];
  /** `generated`: the stack makes a random value; `operator`: a person stores it (exchange keys). */
  readonly source: "generated" | "operator";
  readonly description: string;
  /** Fixed (non-secret) values stored beside the generated one, such as the database user name. */
  readonly fixed?: Readonly<Record<string, string>>;
}

/** The service's PostgreSQL role, as services/shared/db/provision.ts names it (a test keeps them equal). */
export const roleFor = (service: ServiceName): string => `titan_${snakeName(service)}`;

export const databaseSecretName = (service: ServiceName): string => `titan-db-${service}`;
/** The metrics exporter's read-only login (member of pg_monitor). */
export const MONITOR_ROLE = "titan_monitor";
export const MONITOR_DB_SECRET = "titan-db-monitor";
export const SERVICE_TOKEN_SECRET = "titan-service-token";
export const REDIS_SECRET = "titan-redis";
export const EXCHANGE_SECRET = "titan-exchange-bybit";
/** Generated secrets: long enough for the service-token minimum (32) with margin, no symbols to escape in URLs. */
export const GENERATED_SECRET_LENGTH = 48;

export const SECRET_CATALOG: readonly SecretSpec[] = [
  ...SERVICE_NAMES.map((service): SecretSpec => ({
    name: databaseSecretName(service),
    keys: ["username", "password"],
    source: "generated",
    description: `PostgreSQL login of ${service} (role ${roleFor(service)})`,
    fixed: { username: roleFor(service) },
  })),
  { name: MONITOR_DB_SECRET, keys: ["username", "password"], source: "generated", description: "PostgreSQL login of the metrics exporter", fixed: { username: MONITOR_ROLE } },
  { name: SERVICE_TOKEN_SECRET, keys: ["value"], source: "generated", description: "Signs service-to-service tokens" },
  { name: REDIS_SECRET, keys: ["password"], source: "generated", description: "Redis AUTH token" },
  { name: EXCHANGE_SECRET, keys: ["api-key", "api-secret"], source: "operator", description: "Bybit API key pair; stored by an operator, rotated on the schedule in ops/SECURITY" },
];

/** The secret files one service mounts; execution gets the exchange keys only when it trades live. */
export function secretFilesFor(service: ServiceName, opts: { readonly liveVenue: boolean }): SecretFile[] {
  const files: SecretFile[] = [
    { env: "TITAN_DATABASE_PASSWORD", secretName: databaseSecretName(service), key: "password" },
    { env: "TITAN_REDIS_PASSWORD", secretName: REDIS_SECRET, key: "password" },
    { env: "TITAN_SERVICE_TOKEN_SECRET", secretName: SERVICE_TOKEN_SECRET, key: "value" },
  ];
  if (service === "execution" && opts.liveVenue) {
    files.push(
      { env: "TITAN_BYBIT_API_KEY", secretName: EXCHANGE_SECRET, key: "api-key" },
      { env: "TITAN_BYBIT_API_SECRET", secretName: EXCHANGE_SECRET, key: "api-secret" },
    );
  }
  return files;
}
