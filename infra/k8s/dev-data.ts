// The dev stack's data services, all in the cluster: PostgreSQL run by CloudNativePG with continuous
// WAL archiving (archive_timeout from ops/) and scheduled base backups into an in-cluster MinIO, and a
// Redis with append-only persistence, `noeviction` and TLS. Both use the internal CA's certificates.
// The superuser's login is generated here and also given to the Titan namespace as DB_ADMIN_SECRET,
// where the provisioning Job (db-provision.ts) uses it, as prod's Job uses RDS's master login.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BACKUP_SCHEDULE, DAY_SECONDS, HOUR_SECONDS, SECURITY, SERVICE_NAMES, WAL_ARCHIVE_TIMEOUT_SECONDS } from "../../ops/index.js";
import type { DevDataConfig } from "../config.js";
import { DATABASE_NAME } from "../aws/database.js";
import { REDIS_PORT } from "../aws/network.js";
import { GENERATED_SECRET_LENGTH, MONITOR_DB_SECRET, MONITOR_ROLE, REDIS_SECRET, databaseSecretName, roleFor } from "../secret-catalog.js";
import { CHARTS, IMAGES } from "./charts.js";
import { gibibytes, mebibytes, millicores, namespaceSelector } from "./meta.js";
import { helmRelease, kubeObject } from "./objects.js";
import { DB_ADMIN_SECRET } from "./db-provision.js";
import { certificateObject } from "./pki.js";

export const POSTGRES_CLUSTER = "titan-pg";
export const REDIS_NAME = "titan-redis";
const BACKUP_BUCKET = "titan-pg";
const SUPERUSER_SECRET = `${POSTGRES_CLUSTER}-superuser`;
const SUPERUSER = "postgres";
const REDIS_UID = 999;

/** CloudNativePG's six-field cron (seconds first) for an interval of ops/BACKUP_SCHEDULE. */
export function cnpgSchedule(intervalSeconds: number): string {
  switch (intervalSeconds) {
    case HOUR_SECONDS:
      return "0 5 * * * *";
    case DAY_SECONDS:
      return "0 15 3 * * *";
    case 7 * DAY_SECONDS:
      return "0 45 4 * * 0";
    default:
      throw new Error(`dev data: no schedule for an interval of ${intervalSeconds} s`);
  }
}

export interface DevDataArgs {
  readonly namespace: string;
  readonly config: DevDataConfig;
  /** Namespaces whose pods may connect: the services, monitoring, the operator. */
  readonly clientNamespaces: readonly string[];
  /** Where the provisioning Job runs: it gets the superuser's login there as DB_ADMIN_SECRET. */
  readonly adminSecretNamespace: string;
  readonly dependsOn: pulumi.Resource[];
}

export class DevData extends pulumi.ComponentResource {
  readonly postgresHost: string;
  readonly redisHost: string;
  /** The service's pods must be able to reach these (NetworkPolicy peers). */
  readonly postgresPodLabels = { "cnpg.io/cluster": POSTGRES_CLUSTER };
  readonly redisPodLabels = { "app.kubernetes.io/name": REDIS_NAME };

  constructor(name: string, args: DevDataArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:DevData", name, {}, opts);
    const ns = args.namespace;
    const child = { parent: this, dependsOn: args.dependsOn };
    this.postgresHost = `${POSTGRES_CLUSTER}-rw.${ns}.svc`;
    this.redisHost = `${REDIS_NAME}.${ns}.svc`;

    const minioRoot = new random.RandomPassword(`${name}-minio-root`, { length: 40, special: false }, { parent: this });
    kubeObject(`${name}-minio-root`, {
      apiVersion: "v1", kind: "Secret", metadata: { name: "minio-root", namespace: ns },
      stringData: pulumi.secret(minioRoot.result.apply((password) => ({ rootUser: "titan-backups", rootPassword: password }))),
    }, child);
    const minio = helmRelease(`${name}-minio`, CHARTS.minio, ns, {
      mode: "standalone",
      existingSecret: "minio-root",
      persistence: { enabled: true, size: gibibytes(args.config.objectStoreStorageGiB) },
      resources: { requests: { memory: mebibytes(args.config.objectStoreMemoryMiB) } },
      buckets: [{ name: BACKUP_BUCKET, policy: "none", purge: false }],
    }, child);

    // Default-deny ingress; the Titan services, monitoring, the CloudNativePG operator and the data
    // pods themselves (replication, WAL to MinIO) are the only clients.
    kubeObject(`${name}-deny`, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny-ingress", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress"] } }, child);
    kubeObject(`${name}-allow`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "allow-clients", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [...args.clientNamespaces.map((n) => ({ namespaceSelector: namespaceSelector(n) })), { podSelector: {} }] }],
      },
    }, child);
    this.postgres(name, args, [minio]);
    this.redis(name, args);
    this.registerOutputs({ postgresHost: this.postgresHost, redisHost: this.redisHost });
  }

  private postgres(name: string, args: DevDataArgs, after: pulumi.Resource[]): void {
    const ns = args.namespace;
    const child = { parent: this, dependsOn: [...args.dependsOn, ...after] };
    const superuser = new random.RandomPassword(`${name}-pg-superuser`, { length: GENERATED_SECRET_LENGTH, special: false }, { parent: this });
    const login = superuser.result.apply((password) => ({ username: SUPERUSER, password }));
    // basic-auth, as CloudNativePG wants for a user-supplied superuser secret.
    const superuserSecret = kubeObject(`${name}-pg-superuser`, {
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/basic-auth", metadata: { name: SUPERUSER_SECRET, namespace: ns }, stringData: pulumi.secret(login),
    }, child);
    kubeObject(`${name}-db-admin`, {
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/basic-auth", metadata: { name: DB_ADMIN_SECRET, namespace: args.adminSecretNamespace }, stringData: pulumi.secret(login),
    }, child);
    const cert = kubeObject(`${name}-pg-cert`, certificateObject(`${POSTGRES_CLUSTER}-rw`, ns, [`${POSTGRES_CLUSTER}-ro.${ns}.svc`, `${POSTGRES_CLUSTER}-r.${ns}.svc`]), child);
    const c = args.config;
    const cluster = kubeObject(`${name}-pg`, {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: POSTGRES_CLUSTER, namespace: ns },
      spec: {
        instances: c.postgresInstances,
        imageName: `${IMAGES.postgres.repository}:${IMAGES.postgres.tag}`,
        storage: { size: gibibytes(c.postgresStorageGiB) },
        resources: { requests: { cpu: millicores(c.postgresCpuMillicores), memory: mebibytes(c.postgresMemoryMiB) }, limits: { cpu: millicores(c.postgresCpuMillicores * 2), memory: mebibytes(c.postgresMemoryMiB) } },
        postgresql: {
          parameters: { archive_timeout: `${WAL_ARCHIVE_TIMEOUT_SECONDS}s`, ssl_min_protocol_version: SECURITY.minimumTlsVersion.value },
        },
        bootstrap: { initdb: { database: DATABASE_NAME, owner: "titan_admin" } },
        // The provisioning Job logs in as the superuser over TLS to create roles and schemas.
        enableSuperuserAccess: true,
        superuserSecret: { name: SUPERUSER_SECRET },
        managed: {
          roles: [
            ...SERVICE_NAMES.map((service) => ({ name: roleFor(service), ensure: "present", login: true, passwordSecret: { name: databaseSecretName(service) } })),
            { name: MONITOR_ROLE, ensure: "present", login: true, inRoles: ["pg_monitor"], passwordSecret: { name: MONITOR_DB_SECRET } },
          ],
        },
        certificates: { serverTLSSecret: `${POSTGRES_CLUSTER}-rw-tls`, serverCASecret: `${POSTGRES_CLUSTER}-rw-tls` },
        backup: {
          retentionPolicy: `${BACKUP_SCHEDULE.dailyFull.retentionSeconds / DAY_SECONDS}d`,
          barmanObjectStore: {
            destinationPath: `s3://${BACKUP_BUCKET}/`,
            endpointURL: `http://minio.${ns}.svc:9000`,
            s3Credentials: { accessKeyId: { name: "minio-root", key: "rootUser" }, secretAccessKey: { name: "minio-root", key: "rootPassword" } },
            wal: { compression: "gzip" },
            data: { compression: "gzip" },
          },
        },
        monitoring: { enablePodMonitor: true },
      },
    }, { ...child, dependsOn: [...child.dependsOn, cert, superuserSecret], protect: true });
    const schedules = { hourly: BACKUP_SCHEDULE.hourlySnapshot, daily: BACKUP_SCHEDULE.dailyFull, weekly: BACKUP_SCHEDULE.weeklyArchive };
    for (const [part, schedule] of Object.entries(schedules)) {
      kubeObject(`${name}-pg-backup-${part}`, {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ScheduledBackup",
        metadata: { name: `${POSTGRES_CLUSTER}-${part}`, namespace: ns },
        spec: { schedule: cnpgSchedule(schedule.intervalSeconds), backupOwnerReference: "self", cluster: { name: POSTGRES_CLUSTER }, method: "barmanObjectStore" },
      }, { ...child, dependsOn: [cluster] });
    }
  }

  private redis(name: string, args: DevDataArgs): void {
    const ns = args.namespace;
    const child = { parent: this, dependsOn: args.dependsOn };
    const c = args.config;
    const labels = { ...this.redisPodLabels, "app.kubernetes.io/part-of": "titan" };
    const cert = kubeObject(`${name}-redis-cert`, certificateObject(REDIS_NAME, ns), child);
    const tls = "/etc/redis/tls";
    kubeObject(`${name}-redis-config`, {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: REDIS_NAME, namespace: ns },
      data: {
        "redis.conf": [
          "port 0", `tls-port ${REDIS_PORT}`, `tls-cert-file ${tls}/tls.crt`, `tls-key-file ${tls}/tls.key`, `tls-ca-cert-file ${tls}/ca.crt`,
          "tls-auth-clients no", `tls-protocols "${SECURITY.minimumTlsVersion.value}"`,
          "appendonly yes", "appendfsync everysec", "maxmemory-policy noeviction", "dir /data", "",
        ].join("\n"),
      },
    }, child);
    const probe = { tcpSocket: { port: REDIS_PORT }, periodSeconds: 10, failureThreshold: 3 };
    kubeObject(`${name}-redis`, {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: REDIS_NAME, namespace: ns, labels },
      spec: {
        serviceName: REDIS_NAME,
        replicas: 1,
        selector: { matchLabels: this.redisPodLabels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: REDIS_UID, runAsGroup: REDIS_UID, fsGroup: REDIS_UID, seccompProfile: { type: "RuntimeDefault" } },
            automountServiceAccountToken: false,
            containers: [{
              name: "redis",
              image: `${IMAGES.redis.repository}:${IMAGES.redis.tag}`,
              args: ["/etc/redis/redis.conf", "--requirepass", "$(REDIS_PASSWORD)"],
              env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: REDIS_SECRET, key: "password" } } }],
              ports: [{ name: "redis", containerPort: REDIS_PORT }],
              readinessProbe: probe,
              livenessProbe: probe,
              resources: { requests: { cpu: millicores(c.redisCpuMillicores), memory: mebibytes(c.redisMemoryMiB) }, limits: { cpu: millicores(c.redisCpuMillicores * 2), memory: mebibytes(c.redisMemoryMiB) } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
              volumeMounts: [{ name: "data", mountPath: "/data" }, { name: "config", mountPath: "/etc/redis/redis.conf", subPath: "redis.conf" }, { name: "tls", mountPath: tls, readOnly: true }],
            }],
            volumes: [{ name: "config", configMap: { name: REDIS_NAME } }, { name: "tls", secret: { secretName: `${REDIS_NAME}-tls` } }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: gibibytes(c.redisStorageGiB) } } } }],
      },
    }, { ...child, dependsOn: [...args.dependsOn, cert] });
    kubeObject(`${name}-redis-svc`, {
      apiVersion: "v1", kind: "Service", metadata: { name: REDIS_NAME, namespace: ns, labels },
      spec: { selector: this.redisPodLabels, ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }] },
    }, child);
    kubeObject(`${name}-redis-pdb`, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: REDIS_NAME, namespace: ns }, spec: { maxUnavailable: 0, selector: { matchLabels: this.redisPodLabels } } }, child);
  }
}
