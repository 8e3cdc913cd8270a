// The whole platform for one stack: on prod the AWS layer, then on both the Kubernetes layer
// (operators, certificates, secrets, data services on dev, entry points, the five services,
// monitoring and logs). index.ts runs it under the Pulumi CLI; synth/ runs it under mocks.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES } from "../ops/index.js";
import { DATABASE_NAME } from "./aws/database.js";
import { POSTGRES_PORT, REDIS_PORT } from "./aws/network.js";
import { recoveryPlan } from "./aws/recovery.js";
import { LOAD_BALANCER_CONTROLLER_SA, awsFoundation } from "./aws-foundation.js";
import type { StackConfig } from "./config.js";
import { startCostEstimate } from "./cost/stack-output.js";
import { DatabaseProvisioning } from "./k8s/db-provision.js";
import { DevData } from "./k8s/dev-data.js";
import { Ingress } from "./k8s/ingress.js";
import { Logging } from "./k8s/logging.js";
import { NAMESPACES } from "./k8s/meta.js";
import { Monitoring, PROMETHEUS_URL, PUSHGATEWAY } from "./k8s/monitoring.js";
import type { Peer } from "./k8s/network-policies.js";
import { BACKED_UP_STORAGE_CLASS, Platform } from "./k8s/platform.js";
import { Pki } from "./k8s/pki.js";
import { ClusterSecrets } from "./k8s/secrets.js";
import { SECRETS_DIR } from "./k8s/workload-spec.js";
import { Workloads, autoscalingRuleGroups } from "./k8s/workloads.js";
import type { MonitoringInputs } from "./monitoring-inputs.js";
import { MONITOR_DB_SECRET, REDIS_SECRET, SECRET_CATALOG, databaseSecretName } from "./secret-catalog.js";

/** RDS's CA bundle, baked into the image (Dockerfile): Node trusts it for the database's TLS. */
export const RDS_CA_BUNDLE = "/etc/ssl/certs/rds-global-bundle.pem";

export const imageRef = (repository: string, tag: string): string => (tag.startsWith("sha256:") ? `${repository}@${tag}` : `${repository}:${tag}`);

export type StackOutputs = Record<string, unknown>;

export function defineStack(config: StackConfig, inputs: MonitoringInputs): StackOutputs {
  const cost = startCostEstimate(config.stack); // records every registration below, priced as the costEstimate output
  const ns = config.namespace;
  const foundation = config.platform === "aws" ? awsFoundation(config) : undefined;
  const kubernetes = foundation?.kubernetes ?? new k8s.Provider("kubernetes", { ...(config.kubeContext ? { context: config.kubeContext } : {}), enableServerSideApply: true });
  const opts = { providers: { kubernetes } };
  const dataNamespace = foundation ? undefined : `${ns}-data`;

  const platform = new Platform("platform", {
    platform: config.platform,
    titanNamespace: ns,
    dataNamespace,
    ...(foundation
      ? {
          aws: {
            region: foundation.aws.region, clusterName: foundation.clusterName, vpcId: foundation.network.vpcId,
            externalSecretsRoleArn: foundation.roles.externalSecrets, clusterAutoscalerRoleArn: foundation.roles.clusterAutoscaler,
            loadBalancerController: { roleArn: foundation.roles.loadBalancerController, serviceAccount: LOAD_BALANCER_CONTROLLER_SA },
          },
        }
      : {}),
  }, opts);
  const pki = new Pki("pki", { acmeEmail: config.acmeEmail, publicAcme: foundation !== undefined, dependsOn: platform.ready }, opts);

  // Exporters read the monitor login and the Redis password; dev's data services need their logins too.
  const copies: Record<string, string[]> = { [MONITOR_DB_SECRET]: [NAMESPACES.monitoring], [REDIS_SECRET]: [NAMESPACES.monitoring] };
  if (dataNamespace) {
    for (const spec of SECRET_CATALOG) if (spec.name.startsWith("titan-db-") || spec.name === REDIS_SECRET) (copies[spec.name] ??= []).push(dataNamespace);
  }
  const secrets = new ClusterSecrets("cluster-secrets", {
    namespaces: [ns], copies, dependsOn: platform.ready,
    ...(foundation ? { aws: { region: foundation.aws.region, remoteNames: foundation.secrets.remoteNames } } : {}),
  }, opts);
  const ready = [...platform.ready, ...pki.ready, ...secrets.ready];

  const dev = dataNamespace && config.dev
    ? new DevData("dev-data", { namespace: dataNamespace, config: config.dev, clientNamespaces: [ns, NAMESPACES.monitoring, NAMESPACES.cnpg], adminSecretNamespace: ns, dependsOn: ready }, opts)
    : undefined;
  const data = foundation
    ? {
        postgresHost: foundation.database.address as pulumi.Input<string>,
        redisHost: foundation.cache.primaryEndpoint as pulumi.Input<string>,
        postgresPeer: { kind: "cidrs", cidrs: foundation.network.privateSubnetCidrs, port: POSTGRES_PORT } as Peer,
        redisPeer: { kind: "cidrs", cidrs: foundation.network.privateSubnetCidrs, port: REDIS_PORT } as Peer,
      }
    : {
        postgresHost: dev!.postgresHost as pulumi.Input<string>,
        redisHost: dev!.redisHost as pulumi.Input<string>,
        postgresPeer: { kind: "pods", namespace: dataNamespace!, podLabels: dev!.postgresPodLabels, port: POSTGRES_PORT } as Peer,
        redisPeer: { kind: "pods", namespace: dataNamespace!, podLabels: dev!.redisPodLabels, port: REDIS_PORT } as Peer,
      };

  new Ingress("ingress", { platform: config.platform, titanNamespace: ns, domain: config.domain, publicIssuer: pki.publicIssuer, dependsOn: ready }, opts);

  const repository = foundation ? foundation.imageRepository : pulumi.output(config.imageRepository as string);
  const image = repository.apply((repo) => imageRef(repo, config.imageTag));
  const database = { host: data.postgresHost, port: POSTGRES_PORT, name: DATABASE_NAME };
  // Roles, schemas and migrations before any service starts (the services would find no schema).
  const provisioning = new DatabaseProvisioning("database-provisioning", {
    namespace: ns,
    image,
    database,
    postgresPeer: data.postgresPeer,
    admin: foundation ? { kind: "secretsManager", secretArn: foundation.database.masterSecretArn } : { kind: "existing" },
    ca: foundation ? { kind: "image", file: RDS_CA_BUNDLE } : { kind: "internal" },
    dependsOn: [...ready, ...(dev ? [dev] : [])],
  }, opts);
  new Workloads("workloads", {
    namespace: ns,
    image,
    database,
    redis: { host: data.redisHost, port: REDIS_PORT },
    pushgatewayUrl: PUSHGATEWAY.url,
    extraCaFile: foundation ? RDS_CA_BUNDLE : `${SECRETS_DIR}/tls/ca.crt`,
    tape: { storageGiB: config.tapeStorageGiB, storageClass: foundation ? BACKED_UP_STORAGE_CLASS : undefined },
    executionVenue: config.executionVenue,
    network: { postgres: data.postgresPeer, redis: data.redisPeer, pushgateway: { namespace: NAMESPACES.monitoring, podLabels: PUSHGATEWAY.podLabels, port: PUSHGATEWAY.port } },
    autoscaling: { prometheusUrl: PROMETHEUS_URL, scaleStepSeconds: config.scaleStepSeconds, podNetworkBytesPerSecond: config.podNetworkBytesPerSecond },
    ...(foundation
      ? { tapeArchive: { url: pulumi.interpolate`s3://${foundation.storage.tradeTapeBucket}/tape`, region: foundation.aws.region, roleArn: foundation.roles.tapeArchive } }
      : {}),
    dependsOn: [...ready, provisioning.job],
  }, opts);

  new Monitoring("monitoring", {
    platform: config.platform,
    monitoringDomain: config.monitoringDomain,
    prometheusStorageGiB: config.prometheusStorageGiB,
    datasourceUid: inputs.datasourceUid,
    alertRules: inputs.alertRules(NAMESPACES.monitoring, config.stack),
    alertmanagerConfig: inputs.alertmanagerConfig,
    dashboards: inputs.dashboards,
    autoscalingRules: autoscalingRuleGroups(ns, config.podNetworkBytesPerSecond),
    sso: foundation ? { issuerUrl: foundation.sso.issuerUrl, authBaseUrl: foundation.sso.authBaseUrl, grafana: foundation.sso.grafana, proxy: foundation.sso.proxy } : undefined,
    exporters: {
      postgres: { host: data.postgresHost, port: POSTGRES_PORT, database: DATABASE_NAME, secretName: MONITOR_DB_SECRET, userKey: "username", passwordKey: "password" },
      redis: { address: pulumi.interpolate`rediss://${data.redisHost}:${REDIS_PORT}`, secretName: REDIS_SECRET, passwordKey: "password" },
    },
    dependsOn: ready,
  }, opts);
  new Logging("logging", {
    storageGiB: config.lokiStorageGiB,
    retentionDays: config.logRetentionDays,
    ...(foundation ? { s3: { bucket: foundation.storage.logsBucket, region: foundation.aws.region, roleArn: foundation.roles.loki } } : {}),
    dependsOn: ready,
  }, opts);

  return {
    costEstimate: cost.output(),
    namespace: ns,
    domain: config.domain,
    monitoringDomain: config.monitoringDomain,
    databaseSecrets: Object.fromEntries(SERVICE_NAMES.map((service) => [service, databaseSecretName(service)])),
    recoveryPlan: recoveryPlan({ platform: config.platform, crossRegionReplica: config.aws?.database.crossRegionReplica ?? false, standbyInstances: (config.dev?.postgresInstances ?? 1) > 1 })
      .map((tier) => ({ tier: tier.tier, objectiveSeconds: tier.objectiveSeconds, gaps: tier.gaps })),
    ...(foundation
      ? {
          clusterName: foundation.clusterName,
          databaseAddress: foundation.database.address,
          redisEndpoint: foundation.cache.primaryEndpoint,
          tradeRecordsBucket: foundation.storage.tradeRecordsBucket,
          tradeTapeBucket: foundation.storage.tradeTapeBucket,
          backupsBucket: foundation.storage.backupsBucket,
          imageRepository: foundation.imageRepository,
          backupPlanId: foundation.backups.planId,
        }
      : { postgresHost: data.postgresHost, redisHost: data.redisHost }),
  };
}
