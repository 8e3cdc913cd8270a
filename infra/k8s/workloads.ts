// The five services on Kubernetes: for each a ServiceAccount, its TLS certificate, a Deployment
// (ai-quant: a CronJob), a Service, a PodDisruptionBudget and a VPA in recommendation mode; default-deny
// NetworkPolicies with the flows of DESIGN.md; KEDA autoscaling of the horizontal services that follows
// the recording rules built from ops/ (autoscaling.ts). The objects come from pure builders.
import * as pulumi from "@pulumi/pulumi";
import { SERVICES, SERVICE_CAPACITY, SERVICE_NAMES, type ServiceName } from "../../ops/index.js";
import { roleFor, secretFilesFor } from "../secret-catalog.js";
import { scaledObjectSpec, scalingRecordingRules, type RuleGroup } from "./autoscaling.js";
import { gibibytes, serviceLabels } from "./meta.js";
import { networkPolicies, type NetworkPolicyInputs } from "./network-policies.js";
import { kubeObject } from "./objects.js";
import { certificateObject } from "./pki.js";
import { workloadObjects } from "./workload-spec.js";

export interface WorkloadsArgs {
  readonly namespace: string;
  readonly image: pulumi.Input<string>;
  readonly database: { readonly host: pulumi.Input<string>; readonly port: number; readonly name: string };
  readonly redis: { readonly host: pulumi.Input<string>; readonly port: number };
  readonly pushgatewayUrl: string;
  /** CA bundle Node must trust beyond its own (the RDS CA, or the internal CA on dev). */
  readonly extraCaFile: string;
  readonly tape: { readonly storageGiB: number; readonly storageClass: string | undefined };
  readonly executionVenue: "paper" | "bybit";
  readonly network: Omit<NetworkPolicyInputs, "namespace">;
  readonly autoscaling: { readonly prometheusUrl: string; readonly scaleStepSeconds: number; readonly podNetworkBytesPerSecond: number };
  /**
   * Where execution archives closed trade-tape chunks (s3://bucket/prefix) and the IAM role its service
   * account assumes for it (IRSA); absent (dev): the tape stays on its volume only.
   */
  readonly tapeArchive?: { readonly url: pulumi.Input<string>; readonly region: string; readonly roleArn: pulumi.Input<string> };
  readonly dependsOn: pulumi.Resource[];
}

/** The recording-rule groups that drive autoscaling; the monitoring component loads them. */
export function autoscalingRuleGroups(namespace: string, podNetworkBytesPerSecond: number): RuleGroup[] {
  return SERVICE_NAMES.flatMap((service) => {
    const scaling = SERVICE_CAPACITY[service].scaling;
    if (scaling.kind !== "horizontal") return [];
    return [scalingRecordingRules({ service, namespace, minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas, podNetworkBytesPerSecond })];
  });
}

export class Workloads extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Workloads", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const ns = args.namespace;
    for (const policy of networkPolicies({ namespace: ns, ...args.network })) {
      kubeObject(`${name}-netpol-${policy.name}`, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: policy.name, namespace: ns }, spec: policy.spec }, child);
    }
    for (const service of SERVICE_NAMES) this.service(name, service, args, child);
    this.registerOutputs({});
  }

  private service(name: string, service: ServiceName, args: WorkloadsArgs, child: pulumi.CustomResourceOptions): void {
    const ns = args.namespace;
    const meta = (kind: string) => ({ name: service, namespace: ns, labels: serviceLabels(service, kind) });
    const id = `${name}-${service}`;
    // Only execution has an AWS role (the tape archive); EKS's webhook gives its pods the role's token.
    const archive = service === "execution" ? args.tapeArchive : undefined;
    kubeObject(`${id}-sa`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { ...meta("identity"), ...(archive ? { annotations: { "eks.amazonaws.com/role-arn": archive.roleArn } } : {}) },
      automountServiceAccountToken: false,
    }, child);
    const cert = kubeObject(`${id}-cert`, certificateObject(service, ns), child);
    const live = args.executionVenue === "bybit";
    let tapeClaimName: string | undefined;
    if (service === "execution") {
      tapeClaimName = "execution-tape";
      kubeObject(`${id}-tape`, {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { ...meta("storage"), name: tapeClaimName },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: gibibytes(args.tape.storageGiB) } },
          ...(args.tape.storageClass ? { storageClassName: args.tape.storageClass } : {}),
        },
      }, { ...child, protect: true });
    }
    const objects = workloadObjects({
      service,
      image: args.image,
      tlsSecretName: `${service}-tls`,
      secretFiles: secretFilesFor(service, { liveVenue: live }),
      ...(tapeClaimName ? { tapeClaimName } : {}),
      env: {
        NODE_EXTRA_CA_CERTS: args.extraCaFile,
        TITAN_DATABASE_URL: pulumi.interpolate`postgres://${roleFor(service)}@${args.database.host}:${args.database.port}/${args.database.name}`,
        TITAN_DATABASE_SSL: "true",
        TITAN_REDIS_URL: pulumi.interpolate`rediss://${args.redis.host}:${args.redis.port}`,
        ...(service === "ai-quant" ? { TITAN_PUSHGATEWAY_URL: args.pushgatewayUrl } : {}),
        ...(service === "execution" ? { TITAN_EXECUTION_VENUE: args.executionVenue } : {}),
        ...(archive ? { TITAN_TAPE_ARCHIVE_URL: archive.url, AWS_REGION: archive.region } : {}),
      },
    });
    const workload = kubeObject(`${id}-${objects.kind.toLowerCase()}`, {
      apiVersion: objects.kind === "CronJob" ? "batch/v1" : "apps/v1",
      kind: objects.kind,
      metadata: meta("service"),
      spec: objects.spec,
    }, { ...child, dependsOn: [...args.dependsOn, cert], ...(SERVICE_CAPACITY[service].scaling.kind === "horizontal" ? { ignoreChanges: ["spec.replicas"] } : {}) });
    if (objects.service) kubeObject(`${id}-svc`, { apiVersion: "v1", kind: "Service", metadata: meta("service"), spec: objects.service }, child);
    kubeObject(`${id}-pdb`, { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("availability"), spec: objects.pdb }, child);
    kubeObject(`${id}-vpa`, { apiVersion: "autoscaling.k8s.io/v1", kind: "VerticalPodAutoscaler", metadata: meta("sizing"), spec: objects.vpa }, child);
    const scaling = SERVICE_CAPACITY[service].scaling;
    if (scaling.kind === "horizontal") {
      const target = { service, namespace: ns, minReplicas: scaling.minReplicas, maxReplicas: scaling.maxReplicas, podNetworkBytesPerSecond: args.autoscaling.podNetworkBytesPerSecond };
      kubeObject(`${id}-scaler`, {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: meta("autoscaling"),
        spec: scaledObjectSpec(target, args.autoscaling),
      }, { ...child, dependsOn: [workload] });
    }
    if (SERVICES[service].httpPort !== null) {
      kubeObject(`${id}-monitor`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: meta("monitoring"),
        spec: {
          selector: { matchLabels: serviceLabels(service, "service") },
          endpoints: [{
            port: "https",
            scheme: "https",
            path: "/metrics",
            tlsConfig: { ca: { secret: { name: `${service}-tls`, key: "ca.crt" } }, serverName: `${service}.${ns}.svc` },
          }],
        },
      }, child);
    }
  }
}
