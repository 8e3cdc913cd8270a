// The cluster's operators: cert-manager (certificates), External Secrets (secrets from AWS), KEDA
// (autoscaling on Prometheus), the VPA recommender, on AWS the Cluster Autoscaler and the AWS Load
// Balancer Controller (the NLBs of the ingress Services), CloudNativePG on dev; plus the namespaces
// everything else lives in and, on AWS, an encrypted gp3 StorageClass whose volumes join the backup plan.
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_TAG } from "../aws/backups.js";
import { CHARTS } from "./charts.js";
import { NAMESPACES } from "./meta.js";
import { RESTRICTED, helmRelease, kubeObject, namespace } from "./objects.js";

export const BACKED_UP_STORAGE_CLASS = "titan-gp3";

export interface PlatformArgs {
  readonly platform: "aws" | "kubernetes";
  readonly titanNamespace: string;
  readonly dataNamespace: string | undefined;
  /** AWS only: IRSA role ARNs and the cluster the autoscaler resizes. */
  readonly aws?: {
    readonly region: string;
    readonly clusterName: pulumi.Input<string>;
    readonly vpcId: pulumi.Input<string>;
    readonly externalSecretsRoleArn: pulumi.Input<string>;
    readonly clusterAutoscalerRoleArn: pulumi.Input<string>;
    readonly loadBalancerController: { readonly roleArn: pulumi.Input<string>; readonly serviceAccount: string };
  };
}

export class Platform extends pulumi.ComponentResource {
  /** Namespaces, operators and CRDs: everything else waits for these. */
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: PlatformArgs, componentOpts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Platform", name, {}, componentOpts);
    const opts = { parent: this };
    const ns = (n: string, labels: Record<string, string> = {}) => this.ready.push(namespace(n, labels, opts));
    ns(args.titanNamespace, RESTRICTED);
    if (args.dataNamespace) ns(args.dataNamespace);
    for (const n of [NAMESPACES.ingress, NAMESPACES.monitoring, NAMESPACES.certManager, NAMESPACES.externalSecrets, NAMESPACES.keda, NAMESPACES.vpa]) ns(n);
    if (args.platform === "kubernetes") ns(NAMESPACES.cnpg);
    const after = { ...opts, dependsOn: [...this.ready] };
    const release = (part: string, chart: (typeof CHARTS)[keyof typeof CHARTS], namespaceName: string, values: Record<string, unknown>) =>
      this.ready.push(helmRelease(`${name}-${part}`, chart, namespaceName, values, after));

    release("cert-manager", CHARTS.certManager, NAMESPACES.certManager, { crds: { enabled: true }, prometheus: { servicemonitor: { enabled: true } } });
    release("external-secrets", CHARTS.externalSecrets, NAMESPACES.externalSecrets, {
      installCRDs: true,
      serviceMonitor: { enabled: true },
      ...(args.aws ? { serviceAccount: { name: "external-secrets", annotations: { "eks.amazonaws.com/role-arn": args.aws.externalSecretsRoleArn } } } : {}),
    });
    release("keda", CHARTS.keda, NAMESPACES.keda, { prometheus: { operator: { enabled: true, serviceMonitor: { enabled: true } } } });
    // Recommendations only: nothing evicts pods to resize them.
    release("vpa", CHARTS.vpa, NAMESPACES.vpa, { recommender: { enabled: true }, updater: { enabled: false }, admissionController: { enabled: false } });
    if (args.aws) {
      release("cluster-autoscaler", CHARTS.clusterAutoscaler, "kube-system", {
        cloudProvider: "aws",
        awsRegion: args.aws.region,
        autoDiscovery: { clusterName: args.aws.clusterName },
        rbac: { serviceAccount: { name: "cluster-autoscaler", annotations: { "eks.amazonaws.com/role-arn": args.aws.clusterAutoscalerRoleArn } } },
        extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-local-storage": false, expander: "least-waste" },
      });
      // Provisions the NLBs the ingress Services ask for with `aws-load-balancer-type: external` (IP
      // targets, scheme per controller). It acts only on Services annotated so: its mutating webhook,
      // which would otherwise claim every LoadBalancer Service, stays off.
      release("aws-load-balancer-controller", CHARTS.awsLoadBalancerController, "kube-system", {
        clusterName: args.aws.clusterName,
        region: args.aws.region,
        vpcId: args.aws.vpcId,
        replicaCount: 2,
        serviceAccount: { create: true, name: args.aws.loadBalancerController.serviceAccount, annotations: { "eks.amazonaws.com/role-arn": args.aws.loadBalancerController.roleArn } },
        enableServiceMutatorWebhook: false,
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      });
      this.ready.push(kubeObject(`${name}-storage-class`, {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: BACKED_UP_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", [`tagSpecification_1`]: `${BACKUP_TAG.key}=${BACKUP_TAG.value}` },
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
      }, after));
    } else {
      release("cloudnative-pg", CHARTS.cloudnativePg, NAMESPACES.cnpg, { monitoring: { podMonitorEnabled: true } });
    }
    this.registerOutputs({});
  }
}
