// The prod stack's AWS layer: network, EKS, secrets, RDS, ElastiCache, S3, backups, SSO and the image
// repository, wired together; the Kubernetes layer (cluster-apps.ts) runs on top of it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Backups } from "./aws/backups.js";
import { Cache } from "./aws/cache.js";
import { Cluster, clusterAutoscalerPolicy } from "./aws/cluster.js";
import { policyDocument, tagsFor } from "./aws/common.js";
import { Database } from "./aws/database.js";
import { loadBalancerControllerPolicy } from "./aws/lb-controller-policy.js";
import { Network } from "./aws/network.js";
import { Secrets } from "./aws/secrets.js";
import { Sso } from "./aws/sso.js";
import { Storage } from "./aws/storage.js";
import type { AwsConfig, StackConfig } from "./config.js";

/** The controller's service account in kube-system, which its IAM role trusts. */
export const LOAD_BALANCER_CONTROLLER_SA = "aws-load-balancer-controller";

export interface AwsFoundation {
  readonly aws: AwsConfig;
  readonly kubernetes: pulumi.ProviderResource;
  readonly clusterName: pulumi.Output<string>;
  readonly imageRepository: pulumi.Output<string>;
  readonly network: Network;
  readonly database: Database;
  readonly cache: Cache;
  readonly storage: Storage;
  readonly secrets: Secrets;
  readonly sso: Sso;
  readonly roles: {
    readonly externalSecrets: pulumi.Output<string>;
    readonly clusterAutoscaler: pulumi.Output<string>;
    readonly loki: pulumi.Output<string>;
    readonly loadBalancerController: pulumi.Output<string>;
    /** execution's service account: writes closed trade-tape chunks to the tape bucket. */
    readonly tapeArchive: pulumi.Output<string>;
  };
  readonly backups: Backups;
}

export function awsFoundation(config: StackConfig): AwsFoundation {
  const a = config.aws;
  if (!a) throw new Error("awsFoundation: the stack has no AWS configuration");
  const stack = config.stack;
  const defaultTags = { tags: { "titan:stack": stack, "managed-by": "pulumi" } };
  const primary = new aws.Provider("aws-primary", { region: a.region as aws.Region, defaultTags });
  const backupRegion = new aws.Provider("aws-backup-region", { region: a.backupRegion as aws.Region, defaultTags });
  const opts = { providers: { aws: primary } };
  const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { provider: primary });

  const network = new Network("network", { stack, vpcCidr: a.vpcCidr, availabilityZones: zones.names, natGateways: a.natGateways }, opts);
  const cluster = new Cluster("cluster", {
    stack, config: a.cluster, privateSubnetIds: network.privateSubnetIds, nodeSecurityGroupId: network.nodeSecurityGroupId,
    adminSecurityGroupId: network.adminSecurityGroupId, adminHostInstanceType: a.adminHostInstanceType,
  }, opts);
  const secrets = new Secrets("secrets", { stack }, opts);
  const database = new Database("database", {
    stack, config: a.database, subnetIds: network.privateSubnetIds, securityGroupId: network.databaseSecurityGroupId, backupRegion,
  }, opts);
  const cache = new Cache("cache", {
    stack, config: a.cache, subnetIds: network.privateSubnetIds, securityGroupId: network.cacheSecurityGroupId, authToken: secrets.redisAuthToken,
  }, opts);
  const storage = new Storage("storage", { stack, archiveAfterDays: a.archiveAfterDays, logRetentionDays: config.logRetentionDays }, opts);
  const backups = new Backups("backups", { stack, databaseArn: database.instanceArn, backupRegion }, opts);
  const sso = new Sso("sso", { stack, region: a.region, monitoringDomain: config.monitoringDomain }, opts);
  const repository = new aws.ecr.Repository("image", {
    name: `titan-${stack}`,
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "KMS" }],
    tags: tagsFor(stack, "image"),
  }, { provider: primary });

  const lokiPolicy = pulumi.all([storage.logsBucketArn, storage.keyArn]).apply(([bucket, key]) => policyDocument([
    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucket}/*` },
    { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
  ]));
  // The External Secrets Operator reads the catalogue's secrets and RDS's own master secret (the
  // provisioning Job's admin login), never anything else.
  const externalSecretsPolicy = pulumi.all([secrets.readPolicy, database.masterSecretArn, database.keyArn]).apply(([catalogue, masterSecret, databaseKey]) => policyDocument([
    ...(JSON.parse(catalogue) as { Statement: Record<string, unknown>[] }).Statement,
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: masterSecret },
    { Effect: "Allow", Action: ["kms:Decrypt"], Resource: databaseKey },
  ]));
  // HeadObject needs ListBucket to tell a missing chunk (404) from a refused one (403).
  const tapePolicy = pulumi.all([storage.tradeTapeBucketArn, storage.keyArn]).apply(([bucket, key]) => policyDocument([
    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket },
    { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucket}/*` },
    { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
  ]));
  const roles = {
    externalSecrets: cluster.serviceAccountRole("external-secrets", "external-secrets", "external-secrets", [], externalSecretsPolicy).arn,
    clusterAutoscaler: cluster.serviceAccountRole("cluster-autoscaler", "kube-system", "cluster-autoscaler", [], cluster.clusterName.apply(clusterAutoscalerPolicy)).arn,
    loki: cluster.serviceAccountRole("loki", "monitoring", "loki", [], lokiPolicy).arn,
    loadBalancerController: cluster.serviceAccountRole("aws-load-balancer-controller", "kube-system", LOAD_BALANCER_CONTROLLER_SA, [], loadBalancerControllerPolicy()).arn,
    tapeArchive: cluster.serviceAccountRole("execution-tape", config.namespace, "execution", [], tapePolicy).arn,
  };
  return {
    aws: a, kubernetes: cluster.provider, clusterName: cluster.clusterName, imageRepository: repository.repositoryUrl,
    network, database, cache, storage, secrets, sso, roles, backups,
  };
}
