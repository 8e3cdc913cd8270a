// Centralised logs: Grafana Alloy on every node ships pod logs to Loki (single binary; S3 on AWS,
// a volume on dev), which Grafana searches through its Loki datasource (monitoring.ts).
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "./charts.js";
import { NAMESPACES, gibibytes } from "./meta.js";
import { helmRelease } from "./objects.js";
import { LOKI_URL } from "./monitoring.js";

export interface LoggingArgs {
  readonly storageGiB: number;
  readonly retentionDays: number;
  /** AWS: chunks in this bucket, written through an IRSA role. Absent: a persistent volume. */
  readonly s3?: { readonly bucket: pulumi.Input<string>; readonly region: string; readonly roleArn: pulumi.Input<string> };
  readonly dependsOn: pulumi.Resource[];
}

/** Alloy pipeline: discover pods on this node, tail their logs, label by namespace/pod/container, push. */
export const ALLOY_CONFIG = `
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${LOKI_URL}/loki/api/v1/push"
  }
}
`.trimStart();

export class Logging extends pulumi.ComponentResource {
  constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Logging", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const storage = args.s3
      ? { type: "s3", bucketNames: { chunks: args.s3.bucket, ruler: args.s3.bucket, admin: args.s3.bucket }, s3: { region: args.s3.region, sse: { type: "SSE-KMS" } } }
      : { type: "filesystem" };
    helmRelease(`${name}-loki`, CHARTS.loki, NAMESPACES.monitoring, {
      deploymentMode: "SingleBinary",
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        storage,
        schemaConfig: { configs: [{ from: "2025-01-01", store: "tsdb", object_store: args.s3 ? "s3" : "filesystem", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }] },
        limits_config: { retention_period: `${args.retentionDays * 24}h` },
        compactor: { retention_enabled: true, delete_request_store: args.s3 ? "s3" : "filesystem" },
      },
      singleBinary: { replicas: 1, persistence: { enabled: true, size: gibibytes(args.storageGiB) } },
      backend: { replicas: 0 }, read: { replicas: 0 }, write: { replicas: 0 },
      chunksCache: { enabled: false }, resultsCache: { enabled: false },
      ...(args.s3 ? { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": args.s3.roleArn } } } : {}),
      monitoring: { serviceMonitor: { enabled: true } },
    }, child);
    helmRelease(`${name}-alloy`, CHARTS.alloy, NAMESPACES.monitoring, {
      alloy: { configMap: { create: true, content: ALLOY_CONFIG } },
      controller: { type: "daemonset" },
      serviceMonitor: { enabled: true },
    }, child);
    this.registerOutputs({});
  }
}
