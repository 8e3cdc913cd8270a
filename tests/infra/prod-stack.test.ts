// The prod stack, synthesised once under mocks: each number of ops/ reaches the resource it governs,
// every manifest validates against the Kubernetes schemas, the policy pack finds no violation, and
// nothing secret reaches the synth output.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BACKUP_SCHEDULE, DAY_SECONDS, RECOVERY_POINT_OBJECTIVES, RETENTION, SCALING_TRIGGERS, SECURITY, SERVICES, SERVICE_CAPACITY, SERVICE_NAMES,
  WAL_ARCHIVE_TIMEOUT_SECONDS, promDuration,
} from "../../ops/index.js";
import { CHARTS } from "../../infra/k8s/charts.js";
import { runPolicyPack } from "../../infra/policy/run.js";
import { REDACTED } from "../../infra/synth/graph.js";
import { isManifest, manifestOf, renderSynth } from "../../infra/synth/render.js";
import { synthStack, type SynthResult } from "../../infra/synth/synth-stack.js";
import { KINDS_WITHOUT_SCHEMA, validateManifest } from "../../infra/validate/manifests.js";
import { helmValues, manifest, ofType, only, type Props } from "./support.js";

let prod: SynthResult;
beforeAll(async () => {
  prod = await synthStack("prod");
}, 120_000);

const days = (seconds: number) => seconds / DAY_SECONDS;
const RDS = "aws:rds/instance:Instance";
const primaryDb = () => only(prod.resources, RDS, (p) => p.replicateSourceDb === undefined);

describe("prod: the database", () => {
  it("is Multi-AZ, KMS-encrypted, deletion-protected, with storage autoscaling above its allocation", () => {
    const db = primaryDb();
    expect(db).toMatchObject({ multiAz: true, storageEncrypted: true, deletionProtection: true, publiclyAccessible: false, performanceInsightsEnabled: true });
    expect(db.kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(db.maxAllocatedStorage).toBeGreaterThan(db.allocatedStorage);
  });

  it("keeps point-in-time restore for the continuous-replication retention of ops/", () => {
    expect(primaryDb().backupRetentionPeriod).toBe(days(BACKUP_SCHEDULE.continuousReplication.retentionSeconds));
    const replication = only(prod.resources, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
    expect(replication.retentionPeriod).toBe(days(BACKUP_SCHEDULE.continuousReplication.retentionSeconds));
  });

  it("requires TLS at the seed's minimum version and ships WAL within WAL_ARCHIVE_TIMEOUT_SECONDS", () => {
    const params = Object.fromEntries((only(prod.resources, "aws:rds/parameterGroup:ParameterGroup").parameters as Props[]).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({ "rds.force_ssl": "1", ssl_min_protocol_version: SECURITY.minimumTlsVersion.value, archive_timeout: String(WAL_ARCHIVE_TIMEOUT_SECONDS) });
  });

  it("has a standby in the backup region whose lag alarm fires at the trading-data RPO", () => {
    const standby = only(prod.resources, RDS, (p) => p.replicateSourceDb !== undefined);
    // The mocks give the primary (logical name database-primary) its ARN in the primary region.
    expect(standby.replicateSourceDb).toMatch(/^arn:aws:rds:us-east-1:\d+:database-primary$/);
    const alarm = only(prod.resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarm).toMatchObject({ metricName: "ReplicaLag", threshold: RECOVERY_POINT_OBJECTIVES.tradingData.seconds });
    const standbyProvider = prod.resources.find((r) => r.type === RDS && r.inputs.replicateSourceDb !== undefined)?.provider;
    expect(standbyProvider).toContain("aws-backup-region");
  });
});

describe("prod: backups", () => {
  const rules = () => Object.fromEntries((only(prod.resources, "aws:backup/plan:Plan").rules as Props[]).map((r) => [r.ruleName, r]));

  it("schedules each kind of the seed's backup strategy with the retention of ops/", () => {
    const r = rules();
    expect(r.continuous).toMatchObject({ enableContinuousBackup: true, lifecycle: { deleteAfter: days(BACKUP_SCHEDULE.continuousReplication.retentionSeconds) } });
    expect(r.hourly).toMatchObject({ schedule: "cron(5 * ? * * *)", lifecycle: { deleteAfter: days(BACKUP_SCHEDULE.hourlySnapshot.retentionSeconds) } });
    expect(r.daily).toMatchObject({ schedule: "cron(15 3 ? * * *)", lifecycle: { deleteAfter: days(BACKUP_SCHEDULE.dailyFull.retentionSeconds) } });
    expect(r.weekly).toMatchObject({ schedule: "cron(45 4 ? * SUN *)", lifecycle: { deleteAfter: days(BACKUP_SCHEDULE.weeklyArchive.retentionSeconds) } });
  });

  it("copies daily and weekly backups to a vault in the backup region", () => {
    const r = rules();
    const copyVault = prod.resources.find((x) => x.type === "aws:backup/vault:Vault" && x.provider?.includes("aws-backup-region"));
    expect(copyVault).toBeDefined();
    for (const rule of [r.daily, r.weekly]) expect(rule.copyActions[0].destinationVaultArn).toMatch(/^arn:aws:backup:us-west-2:/);
  });

  it("selects the database and the volumes tagged for backup", () => {
    const selections = ofType(prod.resources, "aws:backup/selection:Selection");
    expect(selections.find((s) => s.name === "database")?.resources).toEqual([expect.stringMatching(/^arn:aws:rds:us-east-1:\d+:database-primary$/)]);
    expect(selections.find((s) => s.name === "tagged-volumes")?.selectionTags).toEqual([{ type: "STRINGEQUALS", key: "titan-backup", value: "true" }]);
  });
});

describe("prod: cache and storage", () => {
  it("runs Redis Multi-AZ, encrypted at rest and in transit, noeviction, with daily snapshots kept as long as daily backups", () => {
    const redis = only(prod.resources, "aws:elasticache/replicationGroup:ReplicationGroup");
    expect(redis).toMatchObject({ multiAzEnabled: true, automaticFailoverEnabled: true, atRestEncryptionEnabled: true, transitEncryptionEnabled: true, authToken: REDACTED });
    expect(redis.numCacheClusters).toBeGreaterThanOrEqual(2);
    expect(redis.snapshotRetentionLimit).toBe(days(BACKUP_SCHEDULE.dailyFull.retentionSeconds));
    expect(only(prod.resources, "aws:elasticache/parameterGroup:ParameterGroup").parameters).toEqual([{ name: "maxmemory-policy", value: "noeviction" }]);
  });

  it("locks trade records write-once in compliance mode for the seed's retention", () => {
    const bucket = only(prod.resources, "aws:s3/bucket:Bucket", (p) => p.bucket.endsWith("trade-records"));
    expect(bucket.objectLockEnabled).toBe(true);
    const lock = only(prod.resources, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
    expect(lock.rule.defaultRetention).toEqual({ mode: "COMPLIANCE", years: RETENTION.tradingRecordsYears.value });
    const lifecycle = only(prod.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", (p) => p.bucket === bucket.bucket);
    expect(lifecycle.rules[0].transitions[0]).toEqual({ days: RETENTION.tradeTapeHotDays.value, storageClass: "STANDARD_IA" });
  });
});

describe("prod: the trade tape archive", () => {
  const tapeBucket = () => only(prod.resources, "aws:s3/bucket:Bucket", (p) => p.bucket.endsWith("trade-tape"));

  it("is a private, versioned, KMS-encrypted, TLS-only bucket that moves chunks to cheaper tiers past the hot window", () => {
    const bucket = tapeBucket().bucket;
    expect(only(prod.resources, "aws:s3/bucketVersioning:BucketVersioning", (p) => p.bucket === bucket).versioningConfiguration.status).toBe("Enabled");
    expect(only(prod.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (p) => p.bucket === bucket).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
    expect(only(prod.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (p) => p.bucket === bucket)).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(only(prod.resources, "aws:s3/bucketPolicy:BucketPolicy", (p) => p.bucket === bucket).policy).toContain("aws:SecureTransport");
    const rule = only(prod.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", (p) => p.bucket === bucket).rules[0];
    expect(rule.transitions).toEqual([{ days: RETENTION.tradeTapeHotDays.value, storageClass: "STANDARD_IA" }, { days: 365, storageClass: "GLACIER_IR" }]);
    expect(rule.expiration).toBeUndefined(); // backtests reach back years: the tape is kept
  });

  it("is where execution archives, with the region its S3 client needs and no other service told", () => {
    const env = (service: string) => {
      const pod = manifest(prod.resources, service === "ai-quant" ? "CronJob" : "Deployment", service, "titan").spec;
      return Object.fromEntries(((pod.jobTemplate?.spec ?? pod).template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
    };
    expect(env("execution")).toMatchObject({ TITAN_TAPE_ARCHIVE_URL: `s3://${tapeBucket().bucket}/tape`, AWS_REGION: "us-east-1" });
    for (const service of SERVICE_NAMES.filter((s) => s !== "execution")) expect(env(service).TITAN_TAPE_ARCHIVE_URL, service).toBeUndefined();
  });

  it("lets only execution's service account write it (IRSA), and only that bucket and key", () => {
    const sa = manifest(prod.resources, "ServiceAccount", "execution", "titan");
    const role = prod.resources.find((r) => r.type === "aws:iam/role:Role" && String(r.inputs.assumeRolePolicy).includes("system:serviceaccount:titan:execution"));
    // The mocks give a role the ARN arn:aws:iam::<account>:role/<name>.
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(new RegExp(`:role/${role?.name}$`));
    const inline = only(prod.resources, "aws:iam/rolePolicy:RolePolicy", (p) => String(p.policy).includes("trade-tape"));
    const statements = JSON.parse(inline.policy).Statement as Array<{ Action: string[]; Resource: string }>;
    expect(statements.flatMap((st) => st.Action).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    expect(statements.filter((st) => st.Action.some((a) => a.startsWith("s3:"))).every((st) => st.Resource.includes("trade-tape"))).toBe(true);
    expect(manifest(prod.resources, "ServiceAccount", "brain", "titan").metadata.annotations).toBeUndefined();
  });
});

describe("prod: the ingress load balancers", () => {
  it("are provisioned by the AWS Load Balancer Controller the ingress Services' annotations ask for", () => {
    for (const release of ofType(prod.resources, "kubernetes:helm.sh/v3:Release").filter((r) => r.chart === "nginx-ingress")) {
      expect(release.values.controller.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], release.name).toBe("external");
    }
    const controller = helmValues(prod.resources, "aws-load-balancer-controller");
    expect(controller).toMatchObject({ clusterName: "titan-prod", region: "us-east-1", enableServiceMutatorWebhook: false, serviceAccount: { name: "aws-load-balancer-controller" } });
    expect(controller.vpcId).toBeTruthy();
    const trust = only(prod.resources, "aws:iam/role:Role", (p) => String(p.assumeRolePolicy).includes("system:serviceaccount:kube-system:aws-load-balancer-controller"));
    expect(trust).toBeDefined();
  });

  it("let the controller create and delete only what carries its cluster tag", () => {
    const policy = JSON.parse(only(prod.resources, "aws:iam/rolePolicy:RolePolicy", (p) => String(p.policy).includes("elasticloadbalancing:CreateLoadBalancer")).policy) as { Statement: Array<{ Action: string | string[]; Condition?: unknown }> };
    const actions = (st: { Action: string | string[] }) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
    for (const action of ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer", "ec2:DeleteSecurityGroup"]) {
      const granting = policy.Statement.filter((st) => actions(st).includes(action));
      expect(granting.length, action).toBeGreaterThan(0);
      for (const st of granting) expect(JSON.stringify(st.Condition), action).toContain("elbv2.k8s.aws/cluster");
    }
  });

  it("are created after the controller runs (the ingress releases wait for the platform)", () => {
    const controller = prod.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "aws-load-balancer-controller");
    for (const release of prod.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "nginx-ingress")) {
      expect(release.dependsOn, release.name).toContain(controller?.urn);
    }
  });
});

describe("prod: the database is provisioned before the services start", () => {
  const job = () => manifest(prod.resources, "Job", "db-provision", "titan");

  it("runs the image's provision-database against RDS, over TLS with the RDS CA, as the master login from Secrets Manager", () => {
    const container = job().spec.template.spec.containers[0];
    expect(container.args).toEqual(["provision-database"]);
    const env = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ TITAN_DATABASE_SSL: "true", TITAN_DATABASE_NAME: "titan", TITAN_DATABASE_PORT: "5432", NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/rds-global-bundle.pem", TITAN_DATABASE_MONITOR_ROLE: "titan_monitor" });
    expect(env.TITAN_DATABASE_HOST).toMatch(/^titan-prod\./); // the primary instance's address (mock: <identifier>.<id>...)
    for (const service of SERVICE_NAMES) expect(env[`TITAN_DATABASE_PASSWORD_${service.replace("-", "_").toUpperCase()}_FILE`], service).toMatch(/^\/var\/run\/secrets\/titan\/files\//);
    const admin = manifest(prod.resources, "ExternalSecret", "titan-db-admin", "titan");
    expect(admin.spec.data.map((d: Props) => d.remoteRef.property)).toEqual(["username", "password"]);
    expect(String(admin.spec.data[0].remoteRef.key)).toMatch(/^arn:aws:secretsmanager:us-east-1:\d+:secret:rds!/); // RDS's own master secret
    const projected = job().spec.template.spec.volumes.find((v: Props) => v.name === "secrets").projected.sources.map((s: Props) => s.secret.name);
    expect(projected).toEqual(expect.arrayContaining(["titan-db-admin", "titan-db-monitor", ...SERVICE_NAMES.map((s) => `titan-db-${s}`)]));
  });

  it("lets the External Secrets Operator read RDS's master secret, and nothing beyond the catalogue and it", () => {
    const policy = only(prod.resources, "aws:iam/rolePolicy:RolePolicy", (p) => String(p.policy).includes("secretsmanager:GetSecretValue")).policy as string;
    expect(JSON.parse(policy).Statement.filter((st: Props) => [st.Action].flat().includes("secretsmanager:GetSecretValue")).length).toBe(2);
  });

  it("is a dependency of every service's workload, and may reach only PostgreSQL", () => {
    const jobUrn = prod.resources.find((r) => r.type === "kubernetes:batch/v1:Job")?.urn;
    expect(jobUrn).toBeDefined();
    for (const service of SERVICE_NAMES) {
      const kind = SERVICE_CAPACITY[service].scaling.kind === "job" ? "CronJob" : "Deployment";
      const workload = prod.resources.find((r) => r.type.endsWith(`:${kind}`) && r.inputs.metadata && (r.inputs.metadata as Props).name === service);
      expect(workload?.dependsOn, service).toContain(jobUrn);
    }
    const policy = manifest(prod.resources, "NetworkPolicy", "db-provision-flows", "titan");
    expect(policy.spec.egress).toHaveLength(1);
    expect(policy.spec.egress[0].ports).toEqual([{ protocol: "TCP", port: 5432 }]);
  });
});

describe("prod: workloads follow ops/", () => {
  it("requests and limits each service's capacity, and sizes its PDB", () => {
    for (const service of SERVICE_NAMES) {
      const cap = SERVICE_CAPACITY[service];
      const kind = cap.scaling.kind === "job" ? "CronJob" : "Deployment";
      const workload = manifest(prod.resources, kind, service, "titan");
      const pod = kind === "CronJob" ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
      expect(pod.containers[0].resources, service).toEqual({
        requests: { cpu: `${cap.cpuRequestMillicores}m`, memory: `${cap.memoryRequestMiB}Mi` },
        limits: { cpu: `${cap.cpuLimitMillicores}m`, memory: `${cap.memoryLimitMiB}Mi` },
      });
      expect(manifest(prod.resources, "PodDisruptionBudget", service, "titan").spec.maxUnavailable, service).toBe(cap.maxUnavailable);
      const port = SERVICES[service].httpPort;
      if (port !== null) expect(pod.containers[0].ports[0].containerPort).toBe(port);
    }
  });

  it("autoscales the horizontal services within ops/' range, on the recording rule built from the seed's triggers", () => {
    const console = SERVICE_CAPACITY.console.scaling;
    if (console.kind !== "horizontal") throw new Error("console should be horizontal in ops/");
    const scaler = manifest(prod.resources, "ScaledObject", "console", "titan");
    expect(scaler.spec).toMatchObject({ minReplicaCount: console.minReplicas, maxReplicaCount: console.maxReplicas });
    const rule = manifest(prod.resources, "PrometheusRule", "titan-autoscaling-console", "monitoring");
    const text = JSON.stringify(rule.spec.groups);
    for (const t of [SCALING_TRIGGERS.cpu.scaleUp, SCALING_TRIGGERS.cpu.scaleDown, SCALING_TRIGGERS.memory.scaleUp, SCALING_TRIGGERS.memory.scaleDown, SCALING_TRIGGERS.network.scaleUp]) {
      expect(text).toContain(`[${promDuration(t.sustainedSeconds)}]) ${t === SCALING_TRIGGERS.cpu.scaleDown || t === SCALING_TRIGGERS.memory.scaleDown ? "<" : ">"} bool ${t.ratio}`);
    }
  });

  it("keeps Prometheus samples for RETENTION.metricsDays", () => {
    expect(helmValues(prod.resources, "kube-prometheus-stack").prometheus.prometheusSpec.retention).toBe(`${RETENTION.metricsDays.value}d`);
  });
});

describe("prod: validation and policy", () => {
  it("validates every Kubernetes manifest against the upstream schemas", async () => {
    const verdicts = await Promise.all(prod.resources.filter(isManifest).map(async (r) => ({ r, v: await validateManifest(manifestOf(r)) })));
    expect(verdicts.filter(({ v }) => v.status === "invalid").map(({ r, v }) => `${r.name}: ${"error" in v ? v.error : ""}`)).toEqual([]);
    const unchecked = new Set(verdicts.filter(({ v }) => v.status === "no-schema").map(({ r }) => `${r.inputs.apiVersion}/${r.inputs.kind}`));
    for (const kind of unchecked) expect(KINDS_WITHOUT_SCHEMA.has(kind)).toBe(true);
    expect(verdicts.filter(({ v }) => v.status === "valid").length).toBeGreaterThan(50);
  });

  it("passes the whole policy pack", async () => {
    expect(await runPolicyPack(prod.resources)).toEqual([]);
  });

  it("installs every Helm chart at the version and from the repository charts.ts pins", () => {
    const pinned = new Set(Object.values(CHARTS).map((c) => `${c.chart}@${c.version} ${c.repo}`));
    const installed = ofType(prod.resources, "kubernetes:helm.sh/v3:Release").map((r) => `${r.chart}@${r.version} ${r.repositoryOpts.repo}`);
    expect(installed.filter((r) => !pinned.has(r))).toEqual([]);
    expect(installed).toContain(`aws-load-balancer-controller@${CHARTS.awsLoadBalancerController.version} ${CHARTS.awsLoadBalancerController.repo}`);
  });

  it("writes rule files that promtool accepts, the alert rules of alerts/ among them", () => {
    const rules = [...renderSynth(prod)].filter(([path]) => path.startsWith("rules/"));
    expect(rules.map(([path]) => path)).toContain("rules/titan-autoscaling-console.yml");
    expect(rules.length).toBeGreaterThan(1);
    const dir = mkdtempSync(join(tmpdir(), "titan-rules-"));
    try {
      const files = rules.map(([path, content]) => {
        const file = join(dir, path.replace("rules/", ""));
        writeFileSync(file, content);
        return file;
      });
      expect(execFileSync("promtool", ["check", "rules", ...files], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })).toContain("SUCCESS");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads no alert of a part prod does not run itself (WAL archiving, the backup scheduler), and every other", () => {
    const alerts = ofType(prod.resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
      .flatMap((r) => (r.spec.groups as Props[]).flatMap((g) => (g.rules as Props[]).map((rule) => rule.alert)))
      .filter((a): a is string => a !== undefined);
    expect(alerts).not.toContain("TitanWalArchiveBehind");
    expect(alerts).not.toContain("TitanWalArchivingFailing");
    expect(alerts).not.toContain("TitanBackupStale");
    expect(alerts).toEqual(expect.arrayContaining(["TitanServiceDown", "TitanAiQuantRunStale", "TitanMeanTimeToRecoveryAboveKpi", "Watchdog"]));
  });

  it("writes no secret value: every generated secret is redacted", () => {
    const files = [...renderSynth(prod).values()].join("\n");
    expect(files).not.toMatch(/mock-[0-9a-f]{24}/); // random passwords of the mocks
    expect(files).not.toContain("mock-client-secret");
    expect(files).toContain(REDACTED);
  });
});
