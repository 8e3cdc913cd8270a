// The usage file: what the resource graph cannot say (GB through NAT, S3 ingest and requests, backup
// sizes, log volumes, how long the nightly job runs), one YAML file per stack as Infracost's usage file
// is. Every figure is optional: a usage-based line without its figure is priced at zero usage and
// listed as a gap in the estimate, never hidden. Unknown keys and bad values are errors, all at once.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export interface BucketUsage {
  /** New objects written per month; they age through the bucket's lifecycle rules. */
  readonly ingestGiBPerMonth?: number;
  /** How long the bucket has been filling; defaults to the stack's age. */
  readonly ageMonths?: number;
  readonly putRequestsPerMonth?: number;
  readonly getRequestsPerMonth?: number;
}

export interface Usage {
  /** How long data has been accumulating: S3 contents, log groups that never expire. */
  readonly stackAgeMonths?: number;
  readonly nodes?: { readonly averageCount?: number };
  readonly network?: { readonly natProcessedGiBPerMonth?: number; readonly interAzGiBPerMonth?: number; readonly internetEgressGiBPerMonth?: number };
  /** By the name of the Helm release or Service that creates the load balancer. */
  readonly loadBalancers?: Readonly<Record<string, { readonly capacityUnitsPerHour?: number; readonly processedGiBPerMonth?: number }>>;
  readonly eks?: { readonly controlPlaneLogsGiBPerMonth?: number };
  readonly database?: {
    readonly usedGiB?: number;
    readonly backupStorageGiB?: number;
    readonly replicatedBackupStorageGiB?: number;
    readonly crossRegionReplicationGiBPerMonth?: number;
    readonly logsGiBPerMonth?: number;
  };
  readonly cache?: { readonly snapshotStorageGiB?: number };
  /** By bucket resource name (storage-trade-records, ...). */
  readonly buckets?: Readonly<Record<string, BucketUsage>>;
  /** By vault resource name. */
  readonly backupVaults?: Readonly<Record<string, { readonly storedGiB?: number; readonly copiedInGiBPerMonth?: number }>>;
  readonly registry?: { readonly storedGiB?: number };
  readonly kms?: { readonly requestsPerMonth?: number };
  readonly secretsManager?: { readonly apiCallsPerMonth?: number };
  readonly sso?: { readonly monthlyActiveUsers?: number };
  readonly adminHost?: { readonly activeHoursPerMonth?: number };
  /** By service name of a CronJob (ai-quant). */
  readonly jobs?: Readonly<Record<string, { readonly runHoursPerDay?: number }>>;
  /** A stack without its own nodes (dev) runs on a cluster it shares: its pods' requests are priced. */
  readonly hostCluster?: { readonly loadBalancer?: "nlb" | "clb" | "none" };
}

type Field = "number" | readonly string[] | { readonly [key: string]: Field };
const N = "number" as const;
const MAP = "*";

const SCHEMA: { readonly [key: string]: Field } = {
  stackAgeMonths: N,
  nodes: { averageCount: N },
  network: { natProcessedGiBPerMonth: N, interAzGiBPerMonth: N, internetEgressGiBPerMonth: N },
  loadBalancers: { [MAP]: { capacityUnitsPerHour: N, processedGiBPerMonth: N } },
  eks: { controlPlaneLogsGiBPerMonth: N },
  database: { usedGiB: N, backupStorageGiB: N, replicatedBackupStorageGiB: N, crossRegionReplicationGiBPerMonth: N, logsGiBPerMonth: N },
  cache: { snapshotStorageGiB: N },
  buckets: { [MAP]: { ingestGiBPerMonth: N, ageMonths: N, putRequestsPerMonth: N, getRequestsPerMonth: N } },
  backupVaults: { [MAP]: { storedGiB: N, copiedInGiBPerMonth: N } },
  registry: { storedGiB: N },
  kms: { requestsPerMonth: N },
  secretsManager: { apiCallsPerMonth: N },
  sso: { monthlyActiveUsers: N },
  adminHost: { activeHoursPerMonth: N },
  jobs: { [MAP]: { runHoursPerDay: N } },
  hostCluster: { loadBalancer: ["nlb", "clb", "none"] },
};

export class UsageError extends Error {
  constructor(readonly source: string, readonly problems: readonly string[]) {
    super(`${source}: invalid usage file (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "UsageError";
  }
}

function check(value: unknown, field: Field, path: string, problems: string[]): void {
  if (field === "number") {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) problems.push(`${path}: must be a number >= 0, got ${JSON.stringify(value)}`);
    return;
  }
  if (Array.isArray(field)) {
    if (!field.includes(value as string)) problems.push(`${path}: must be one of ${field.join(", ")}, got ${JSON.stringify(value)}`);
    return;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${path}: must be a mapping, got ${JSON.stringify(value)}`);
    return;
  }
  const shape = field as { readonly [key: string]: Field };
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const expected = shape[key] ?? shape[MAP];
    if (expected === undefined) problems.push(`${path ? `${path}.` : ""}${key}: unknown key (known: ${Object.keys(shape).join(", ")})`);
    else check(child, expected, path ? `${path}.${key}` : key, problems);
  }
}

/** Validates parsed usage data; `source` names the file in errors. */
export function parseUsage(data: unknown, source: string): Usage {
  if (data === null || data === undefined) return {};
  const problems: string[] = [];
  check(data, SCHEMA, "", problems);
  if (problems.length > 0) throw new UsageError(source, problems);
  return data as Usage;
}

export const usageText = (text: string, source: string): Usage => {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UsageError(source, [`not YAML: ${(error as Error).message}`]);
  }
  return parseUsage(data, source);
};

/** infra/cost/usage/<stack>.yaml */
export const usageFileFor = (stack: string): string => fileURLToPath(new URL(`./usage/${stack}.yaml`, import.meta.url));

export const loadUsage = (file: string): Usage => usageText(readFileSync(file, "utf8"), file);
