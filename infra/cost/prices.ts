// The price table: every unit price the estimator uses, with its unit, source, the date it was read and
// whether it was verified. Verified prices are the ones shared/reference/tooling.md lists (us-east-1,
// on-demand); every other price is marked unverified with where it came from. A price the estimator
// needs and this table lacks is an error, never a zero.

export type PriceUnit = "hour" | "vCPU-hour" | "GiB-hour" | "GB-month" | "GB" | "month" | "1k requests" | "10k requests" | "MAU" | "NLCU-hour" | "LCU-hour";

export interface Price {
  readonly usd: number;
  readonly unit: PriceUnit;
  readonly what: string;
  readonly source: string;
  /** When the source was read, YYYY-MM-DD. */
  readonly checked: string;
  readonly verified: boolean;
}

/** AWS bills hourly resources for 730 hours in a month (24 × 365 / 12), as its calculator does. */
export const HOURS_PER_MONTH = 730;
/** Days in an average month, for daily schedules and lifecycle ages. */
export const DAYS_PER_MONTH = 365 / 12;
/** Every price is for this region; the backup region (us-west-2) is priced the same for what Titan uses there (unverified). */
export const PRICE_REGION = "us-east-1";

const TOOLING = "shared/reference/tooling.md, AWS prices (us-east-1, on-demand)";
const TOOLING_DATE = "2026-11-24";
const ESTIMATE = (page: string) => `estimate from ${page} (us-east-1 on-demand, as last read; not re-checked here)`;
const ESTIMATE_DATE = "2026-11-24";
const ELB_PAGE = "https://aws.amazon.com/elasticloadbalancing/pricing/ as transcribed in api-evangelist/amazon-elastic-load-balancing plans/amazon-elastic-load-balancing-plans-pricing.yml (read 2026-09-20)";

const verified = (usd: number, unit: PriceUnit, what: string): Price => ({ usd, unit, what, source: TOOLING, checked: TOOLING_DATE, verified: true });
const unverified = (usd: number, unit: PriceUnit, what: string, source: string, checked = ESTIMATE_DATE): Price => ({ usd, unit, what, source, checked, verified: false });

/** Flat prices by key; instance classes are in the tables below. */
export const PRICES = {
  "eks.cluster": verified(0.1, "hour", "EKS control plane"),
  "ebs.gp3": verified(0.08, "GB-month", "EBS gp3 volume storage"),
  "rds.gp3": verified(0.115, "GB-month", "RDS gp3 storage (per instance of a Multi-AZ pair)"),
  "nat.hour": verified(0.045, "hour", "NAT gateway"),
  "nat.processed": verified(0.045, "GB", "NAT gateway data processed"),
  "alb.hour": verified(0.0225, "hour", "Application Load Balancer"),
  "alb.lcu": unverified(0.008, "LCU-hour", "Application Load Balancer capacity unit", ELB_PAGE, "2026-09-20"),
  "nlb.hour": unverified(0.0225, "hour", "Network Load Balancer", ELB_PAGE, "2026-09-20"),
  "nlb.nlcu": unverified(0.006, "NLCU-hour", "Network Load Balancer capacity unit", ELB_PAGE, "2026-09-20"),
  "clb.hour": unverified(0.025, "hour", "Classic Load Balancer (a LoadBalancer Service without the AWS Load Balancer Controller)", ESTIMATE("https://aws.amazon.com/elasticloadbalancing/pricing/")),
  "clb.processed": unverified(0.008, "GB", "Classic Load Balancer data processed", ESTIMATE("https://aws.amazon.com/elasticloadbalancing/pricing/")),
  "s3.standard": verified(0.023, "GB-month", "S3 Standard storage (first 50 TB)"),
  "s3.standard-ia": verified(0.0125, "GB-month", "S3 Standard-IA storage"),
  "s3.glacier-ir": unverified(0.004, "GB-month", "S3 Glacier Instant Retrieval storage (retrievals billed per GB; not priced)", ESTIMATE("https://aws.amazon.com/s3/pricing/")),
  "s3.deep-archive": unverified(0.00099, "GB-month", "S3 Glacier Deep Archive storage", ESTIMATE("https://aws.amazon.com/s3/pricing/")),
  "s3.put": unverified(0.005, "1k requests", "S3 PUT, COPY, POST, LIST requests (Standard)", ESTIMATE("https://aws.amazon.com/s3/pricing/")),
  "s3.get": unverified(0.0004, "1k requests", "S3 GET, SELECT and other requests (Standard)", ESTIMATE("https://aws.amazon.com/s3/pricing/")),
  "ipv4.public": unverified(0.005, "hour", "Public IPv4 address (Elastic IP, in use or idle)", ESTIMATE("https://aws.amazon.com/vpc/pricing/ (public IPv4 charge since 2024-02-01)")),
  "kms.key": unverified(1, "month", "KMS customer-managed key (rotations add up to 2 more key-months)", ESTIMATE("https://aws.amazon.com/kms/pricing/")),
  "kms.requests": unverified(0.03, "10k requests", "KMS API requests (the first 20,000 a month are free per account; not deducted)", ESTIMATE("https://aws.amazon.com/kms/pricing/")),
  "secrets.secret": unverified(0.4, "month", "Secrets Manager secret", ESTIMATE("https://aws.amazon.com/secrets-manager/pricing/")),
  "secrets.api": unverified(0.05, "10k requests", "Secrets Manager API calls", ESTIMATE("https://aws.amazon.com/secrets-manager/pricing/")),
  "rds.backup": unverified(0.095, "GB-month", "RDS backup storage beyond 100 % of provisioned storage; replicated backups in another region", ESTIMATE("https://aws.amazon.com/rds/postgresql/pricing/")),
  "elasticache.backup": unverified(0.085, "GB-month", "ElastiCache snapshot storage", ESTIMATE("https://aws.amazon.com/elasticache/pricing/")),
  "backup.warm": unverified(0.095, "GB-month", "AWS Backup warm storage of RDS snapshots (EBS snapshots cost less; priced the same here)", ESTIMATE("https://aws.amazon.com/backup/pricing/")),
  "ecr.storage": unverified(0.1, "GB-month", "ECR image storage", ESTIMATE("https://aws.amazon.com/ecr/pricing/")),
  "transfer.inter-region": unverified(0.02, "GB", "Data transfer between AWS regions (RDS replication, backup copies)", ESTIMATE("https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer)")),
  "transfer.inter-az": unverified(0.02, "GB", "Data transfer between availability zones ($0.01 out + $0.01 in)", ESTIMATE("https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer)")),
  "transfer.internet": unverified(0.09, "GB", "Data transfer out to the internet (first 10 TB; the 100 GB free tier not deducted)", ESTIMATE("https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer)")),
  "cloudwatch.logs.ingest": unverified(0.5, "GB", "CloudWatch Logs ingestion (standard class)", ESTIMATE("https://aws.amazon.com/cloudwatch/pricing/")),
  "cloudwatch.logs.storage": unverified(0.03, "GB-month", "CloudWatch Logs archived storage", ESTIMATE("https://aws.amazon.com/cloudwatch/pricing/")),
  "cloudwatch.alarm": unverified(0.1, "month", "CloudWatch standard-resolution metric alarm", ESTIMATE("https://aws.amazon.com/cloudwatch/pricing/")),
  "cognito.mau": unverified(0.015, "MAU", "Cognito Essentials tier, per monthly active user above the 10,000 free", ESTIMATE("https://aws.amazon.com/cognito/pricing/")),
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

/** Monthly active users the Cognito free tier covers (unverified, same source as cognito.mau). */
export const COGNITO_FREE_MAU = 10_000;

export interface InstanceClass {
  readonly hourly: Price;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly arch: "x86_64" | "arm64";
}

const ec2 = (hourly: Price, vcpu: number, memoryGiB: number, arch: InstanceClass["arch"]): InstanceClass => ({ hourly, vcpu, memoryGiB, arch });
const EC2_PAGE = ESTIMATE("https://aws.amazon.com/ec2/pricing/on-demand/ (Linux)");
const RDS_PAGE = ESTIMATE("https://aws.amazon.com/rds/postgresql/pricing/ (Single-AZ; Multi-AZ is twice)");
const CACHE_PAGE = ESTIMATE("https://aws.amazon.com/elasticache/pricing/ (Redis OSS)");

/** EC2 Linux on-demand, per instance-hour. vCPU and memory are the instance type's published size. */
export const EC2_CLASSES: Readonly<Record<string, InstanceClass>> = {
  "m6i.large": ec2(verified(0.096, "hour", "EC2 m6i.large"), 2, 8, "x86_64"),
  "c6i.large": ec2(verified(0.085, "hour", "EC2 c6i.large"), 2, 4, "x86_64"),
  "m6i.xlarge": ec2(unverified(0.192, "hour", "EC2 m6i.xlarge", EC2_PAGE), 4, 16, "x86_64"),
  "c6i.xlarge": ec2(unverified(0.17, "hour", "EC2 c6i.xlarge", EC2_PAGE), 4, 8, "x86_64"),
  "m7i.large": ec2(unverified(0.1008, "hour", "EC2 m7i.large", EC2_PAGE), 2, 8, "x86_64"),
  "m7i.xlarge": ec2(unverified(0.2016, "hour", "EC2 m7i.xlarge", EC2_PAGE), 4, 16, "x86_64"),
  "m6g.large": ec2(unverified(0.077, "hour", "EC2 m6g.large (Graviton2)", EC2_PAGE), 2, 8, "arm64"),
  "m6g.xlarge": ec2(unverified(0.154, "hour", "EC2 m6g.xlarge (Graviton2)", EC2_PAGE), 4, 16, "arm64"),
  "c6g.large": ec2(unverified(0.068, "hour", "EC2 c6g.large (Graviton2)", EC2_PAGE), 2, 4, "arm64"),
  "c6g.xlarge": ec2(unverified(0.136, "hour", "EC2 c6g.xlarge (Graviton2)", EC2_PAGE), 4, 8, "arm64"),
  "m7g.large": ec2(unverified(0.0816, "hour", "EC2 m7g.large (Graviton3)", EC2_PAGE), 2, 8, "arm64"),
  "m7g.xlarge": ec2(unverified(0.1632, "hour", "EC2 m7g.xlarge (Graviton3)", EC2_PAGE), 4, 16, "arm64"),
  "t4g.nano": ec2(unverified(0.0042, "hour", "EC2 t4g.nano", EC2_PAGE), 2, 0.5, "arm64"),
  "t4g.micro": ec2(unverified(0.0084, "hour", "EC2 t4g.micro", EC2_PAGE), 2, 1, "arm64"),
  "t3.micro": ec2(unverified(0.0104, "hour", "EC2 t3.micro", EC2_PAGE), 2, 1, "x86_64"),
};

/** RDS for PostgreSQL, Single-AZ, per instance-hour; a Multi-AZ instance bills two. */
export const RDS_CLASSES: Readonly<Record<string, InstanceClass>> = {
  "db.t4g.micro": ec2(verified(0.016, "hour", "RDS PostgreSQL db.t4g.micro"), 2, 1, "arm64"),
  "db.t4g.small": ec2(verified(0.032, "hour", "RDS PostgreSQL db.t4g.small"), 2, 2, "arm64"),
  "db.t4g.medium": ec2(verified(0.065, "hour", "RDS PostgreSQL db.t4g.medium"), 2, 4, "arm64"),
  "db.m6g.large": ec2(unverified(0.159, "hour", "RDS PostgreSQL db.m6g.large", "gitlab-org/gitlab-environment-toolkit issue 236 ($0.159 Single-AZ, $0.318 Multi-AZ); tooling.md says this price was not confirmed"), 2, 8, "arm64"),
  "db.m6g.xlarge": ec2(unverified(0.318, "hour", "RDS PostgreSQL db.m6g.xlarge", RDS_PAGE), 4, 16, "arm64"),
  "db.m7g.large": ec2(unverified(0.168, "hour", "RDS PostgreSQL db.m7g.large", RDS_PAGE), 2, 8, "arm64"),
  "db.r6g.large": ec2(unverified(0.258, "hour", "RDS PostgreSQL db.r6g.large", RDS_PAGE), 2, 16, "arm64"),
};

/** ElastiCache for Redis OSS, per node-hour. */
export const CACHE_CLASSES: Readonly<Record<string, InstanceClass>> = {
  "cache.t4g.medium": ec2(unverified(0.065, "hour", "ElastiCache cache.t4g.medium", `${CACHE_PAGE}; tooling.md says this price was not confirmed`), 2, 3.09, "arm64"),
  "cache.m6g.large": ec2(unverified(0.149, "hour", "ElastiCache cache.m6g.large", CACHE_PAGE), 2, 6.38, "arm64"),
  "cache.m7g.large": ec2(unverified(0.158, "hour", "ElastiCache cache.m7g.large", CACHE_PAGE), 2, 6.38, "arm64"),
  "cache.r6g.large": ec2(unverified(0.206, "hour", "ElastiCache cache.r6g.large", CACHE_PAGE), 2, 13.07, "arm64"),
};

export interface Discount {
  /** Fraction of the on-demand price saved, 0..1. */
  readonly ratio: number;
  readonly what: string;
  readonly source: string;
  readonly checked: string;
  readonly verified: boolean;
}

const discount = (ratio: number, what: string, page: string): Discount => ({ ratio, what, source: ESTIMATE(page), checked: ESTIMATE_DATE, verified: false });

/** Commitment and spot discounts the recommendations assume (all unverified; check the calculator before committing). */
export const DISCOUNTS = {
  computeSavingsPlan1y: discount(0.27, "Compute Savings Plan, 1 year, no upfront, on m6i/m6g-class EC2", "https://aws.amazon.com/savingsplans/compute-pricing/"),
  rdsReserved1y: discount(0.31, "RDS reserved instance, 1 year, no upfront, db.m6g class", "https://aws.amazon.com/rds/postgresql/pricing/ (reserved instances)"),
  elasticacheReserved1y: discount(0.29, "ElastiCache reserved node, 1 year, no upfront, t4g/m6g class", "https://aws.amazon.com/elasticache/pricing/ (reserved nodes)"),
  spot: discount(0.6, "EC2 Spot against on-demand, m6i/m6g large in us-east-1, typical", "https://aws.amazon.com/ec2/spot/pricing/ (varies by hour and AZ)"),
} as const satisfies Record<string, Discount>;

/** Graviton class of the same size for an x86 one; the recommendation prices the move. */
export const GRAVITON_EQUIVALENT: Readonly<Record<string, string>> = {
  "m6i.large": "m6g.large",
  "m6i.xlarge": "m6g.xlarge",
  "m7i.large": "m7g.large",
  "m7i.xlarge": "m7g.xlarge",
  "c6i.large": "c6g.large",
  "c6i.xlarge": "c6g.xlarge",
  "t3.micro": "t4g.micro",
};

/** "verified: <source>, read <date>" or "unverified: ...", for assumptions and reports. */
export const sourceNote = (p: { readonly verified: boolean; readonly source: string; readonly checked: string }): string => `${p.verified ? "verified" : "unverified"}: ${p.source}, read ${p.checked}`;

export class MissingPriceError extends Error {
  constructor(readonly what: string) {
    super(`no price for ${what} in infra/cost/prices.ts`);
    this.name = "MissingPriceError";
  }
}

const lookup = (table: Readonly<Record<string, InstanceClass>>, kind: string, name: string): InstanceClass => {
  const found = table[name];
  if (!found) throw new MissingPriceError(`${kind} class '${name}'`);
  return found;
};

export const ec2Class = (name: string): InstanceClass => lookup(EC2_CLASSES, "EC2", name);
export const rdsClass = (name: string): InstanceClass => lookup(RDS_CLASSES, "RDS", name);
export const cacheClass = (name: string): InstanceClass => lookup(CACHE_CLASSES, "ElastiCache", name);

/** Every price in the table, flat, for the report's appendix and the tests. */
export function allPrices(): { readonly key: string; readonly price: Price }[] {
  const classes = (prefix: string, table: Readonly<Record<string, InstanceClass>>) => Object.entries(table).map(([name, c]) => ({ key: `${prefix}.${name}`, price: c.hourly }));
  return [
    ...Object.entries(PRICES).map(([key, price]) => ({ key, price: price as Price })),
    ...classes("ec2", EC2_CLASSES),
    ...classes("rds", RDS_CLASSES),
    ...classes("elasticache", CACHE_CLASSES),
  ];
}

/**
 * What a vCPU-hour and a GiB-hour of node capacity cost, from two verified prices of one generation
 * that differ only in memory (c6i.large: 2 vCPU, 4 GiB; m6i.large: 2 vCPU, 8 GiB). Used to split a
 * node's price between the CPU and memory pods request, and to price requested capacity on a cluster
 * the stack does not own (dev).
 */
export function capacityRates(): { readonly vcpuHourUsd: number; readonly gibHourUsd: number; readonly derivedFrom: string } {
  const small = EC2_CLASSES["c6i.large"] as InstanceClass;
  const large = EC2_CLASSES["m6i.large"] as InstanceClass;
  const gibHourUsd = (large.hourly.usd - small.hourly.usd) / (large.memoryGiB - small.memoryGiB);
  const vcpuHourUsd = (small.hourly.usd - small.memoryGiB * gibHourUsd) / small.vcpu;
  return { vcpuHourUsd, gibHourUsd, derivedFrom: "c6i.large and m6i.large (verified): the 4 GiB between them price memory, the rest of c6i.large prices its 2 vCPU" };
}
