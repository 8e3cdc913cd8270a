// The reviewer's checklist for Kubernetes objects: requests and limits, probes, PDBs, non-root
// read-only containers, no moving image tags, NetworkPolicy coverage, autoscaling as ops/ says.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { SERVICE_CAPACITY, SERVICE_NAMES, type ServiceName } from "../../ops/index.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are untyped JSON

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"];
const LONG_RUNNING = ["Deployment", "StatefulSet", "DaemonSet"];

export const kindOf = (type: string): string => type.split(":").pop() ?? "";
const isWorkload = (type: string) => type.startsWith("kubernetes:") && WORKLOAD_KINDS.includes(kindOf(type));

/** The pod template of a workload, whatever its kind. */
export function podSpecOf(type: string, props: Obj): Obj | undefined {
  const kind = kindOf(type);
  if (kind === "CronJob") return props.spec?.jobTemplate?.spec?.template?.spec;
  return props.spec?.template?.spec;
}

const containersOf = (spec: Obj | undefined): Obj[] => [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
const nameOf = (props: Obj) => `${props.metadata?.namespace ?? "_"}/${props.metadata?.name ?? "?"}`;

function eachContainer(args: ResourceValidationArgs, report: ReportViolation, check: (c: Obj, pod: Obj) => string | undefined): void {
  if (!isWorkload(args.type)) return;
  const pod = podSpecOf(args.type, args.props);
  for (const c of containersOf(pod)) {
    const problem = check(c, pod ?? {});
    if (problem) report(`${kindOf(args.type)} ${nameOf(args.props)}, container ${c.name}: ${problem}`);
  }
}

export const requestsAndLimits: ResourceValidationPolicy = {
  name: "k8s-requests-and-limits",
  description: "Every container requests and limits CPU and memory.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) =>
    eachContainer(args, report, (c) => {
      const missing = ["requests", "limits"].flatMap((k) => ["cpu", "memory"].filter((r) => c.resources?.[k]?.[r] === undefined).map((r) => `${k}.${r}`));
      return missing.length > 0 ? `missing ${missing.join(", ")}` : undefined;
    }),
};

export const probes: ResourceValidationPolicy = {
  name: "k8s-probes",
  description: "Every long-running container has a readiness and a liveness probe.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (!LONG_RUNNING.includes(kindOf(args.type))) return;
    eachContainer(args, report, (c) => (c.readinessProbe && c.livenessProbe ? undefined : "needs readinessProbe and livenessProbe"));
  },
};

export const nonRoot: ResourceValidationPolicy = {
  name: "k8s-non-root",
  description: "Containers run as non-root, without privilege escalation, on a read-only root filesystem.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) =>
    eachContainer(args, report, (c, pod) => {
      const problems: string[] = [];
      if (c.securityContext?.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
      if (c.securityContext?.runAsUser === 0 || pod.securityContext?.runAsUser === 0) problems.push("runs as uid 0");
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
      if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
      return problems.length > 0 ? problems.join("; ") : undefined;
    }),
};

/** True for an image reference without a tag, with `latest`, and without a digest. */
export function isMovingImage(image: string): boolean {
  if (image.includes("@sha256:")) return false;
  const last = image.split("/").pop() ?? image;
  const tag = last.includes(":") ? last.split(":").pop() : undefined;
  return tag === undefined || tag === "" || tag === "latest";
}

/** Every `tag: latest` or `image: x:latest` in Helm values. */
function movingTagsIn(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) value.forEach((v, i) => movingTagsIn(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "tag" && v === "latest") out.push(`${path}.${k}`);
      else if (k === "image" && typeof v === "string" && isMovingImage(v)) out.push(`${path}.${k}`);
      else movingTagsIn(v, `${path}.${k}`, out);
    }
  }
}

export const noLatestTags: ResourceValidationPolicy = {
  name: "no-latest-tags",
  description: "Images are pinned (a version tag or a digest, never latest) and Helm charts to an exact version.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "kubernetes:helm.sh/v3:Release") {
      if (typeof args.props.version !== "string" || !/^v?\d+\.\d+\.\d+$/.test(args.props.version)) report(`Helm release ${args.props.name}: chart version '${args.props.version}' is not an exact version`);
      const moving: string[] = [];
      movingTagsIn(args.props.values, "values", moving);
      for (const path of moving) report(`Helm release ${args.props.name}: ${path} is a moving tag`);
      return;
    }
    eachContainer(args, report, (c) => (typeof c.image !== "string" || isMovingImage(c.image) ? `image '${c.image}' is not pinned` : undefined));
  },
};

const manifests = (args: StackValidationArgs) => args.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release");
const matches = (selector: Obj | undefined, labels: Obj | undefined): boolean =>
  selector !== undefined && Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector.matchLabels ?? {}).length > 0;

export const podDisruptionBudgets: StackValidationPolicy = {
  name: "k8s-pod-disruption-budgets",
  description: "Every Deployment and StatefulSet is covered by a PodDisruptionBudget.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const all = manifests(args);
    const pdbs = all.filter((r) => kindOf(r.type) === "PodDisruptionBudget");
    for (const w of all.filter((r) => ["Deployment", "StatefulSet"].includes(kindOf(r.type)))) {
      const labels = w.props.spec?.template?.metadata?.labels;
      const covered = pdbs.some((p) => p.props.metadata?.namespace === w.props.metadata?.namespace && matches(p.props.spec?.selector, labels));
      if (!covered) report(`${kindOf(w.type)} ${nameOf(w.props)} has no PodDisruptionBudget`, w.urn);
    }
  },
};

export const networkPolicyCoverage: StackValidationPolicy = {
  name: "k8s-network-policy-coverage",
  description: "Every namespace running workloads of this stack has a default-deny ingress NetworkPolicy.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const all = manifests(args);
    const denied = new Set(
      all.filter((r) => kindOf(r.type) === "NetworkPolicy" && Object.keys(r.props.spec?.podSelector ?? { x: 1 }).length === 0 && (r.props.spec?.policyTypes ?? []).includes("Ingress") && (r.props.spec?.ingress ?? []).length === 0)
        .map((r) => r.props.metadata?.namespace),
    );
    for (const w of all.filter((r) => isWorkload(r.type))) {
      if (!denied.has(w.props.metadata?.namespace)) report(`${kindOf(w.type)} ${nameOf(w.props)}: namespace has no default-deny NetworkPolicy`, w.urn);
    }
  },
};

export const autoscalingMatchesOps: StackValidationPolicy = {
  name: "autoscaling-matches-ops",
  description: "Horizontal services scale within ops/SERVICE_CAPACITY's range; single-writer services run exactly one replica, recreated.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const all = manifests(args);
    for (const service of SERVICE_NAMES as readonly ServiceName[]) {
      const scaling = SERVICE_CAPACITY[service].scaling;
      const deployment = all.find((r) => kindOf(r.type) === "Deployment" && r.props.metadata?.name === service && r.props.metadata?.labels?.["app.kubernetes.io/part-of"] === "titan");
      const scalers = all.filter((r) => ["ScaledObject", "HorizontalPodAutoscaler"].includes(kindOf(r.type)) && r.props.spec?.scaleTargetRef?.name === service);
      if (!deployment) continue;
      if (scaling.kind === "single-writer") {
        if (deployment.props.spec?.replicas !== 1 || deployment.props.spec?.strategy?.type !== "Recreate") report(`${service} is single-writer: needs replicas 1 and strategy Recreate`, deployment.urn);
        if (scalers.length > 0) report(`${service} is single-writer but has an autoscaler`, scalers[0]?.urn);
      } else if (scaling.kind === "horizontal") {
        const keda = scalers.filter((r) => kindOf(r.type) === "ScaledObject");
        if (keda.length !== 1 || scalers.length !== 1) {
          report(`${service} scales horizontally: needs exactly one ScaledObject, found ${scalers.length} autoscalers`);
          continue;
        }
        const spec = keda[0]?.props.spec ?? {};
        if (spec.minReplicaCount !== scaling.minReplicas || spec.maxReplicaCount !== scaling.maxReplicas) {
          report(`${service}: autoscaling range ${spec.minReplicaCount}..${spec.maxReplicaCount} differs from ops/ ${scaling.minReplicas}..${scaling.maxReplicas}`, keda[0]?.urn);
        }
      }
    }
  },
};

const LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type";

/** Where a Service of the stack asks for the AWS Load Balancer Controller: in a manifest, or in a Helm release's values. */
function controllerAnnotations(value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => controllerAnnotations(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Obj).flatMap(([k, v]) => (k === LB_TYPE && (v === "external" || v === "nlb-ip") ? [path] : controllerAnnotations(v, `${path}.${k}`)));
}

export const loadBalancerController: StackValidationPolicy = {
  name: "aws-load-balancer-controller",
  description: "A Service annotated for the AWS Load Balancer Controller (aws-load-balancer-type: external) needs that controller in the stack: the in-tree provider ignores it and no load balancer appears.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const releases = args.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    if (releases.some((r) => r.props.chart === "aws-load-balancer-controller")) return;
    const asking = [...manifests(args), ...releases].filter((r) => controllerAnnotations(r.props, "").length > 0);
    for (const r of asking) report(`${r.name} asks for an AWS Load Balancer Controller load balancer (${LB_TYPE}), but the stack installs no controller`, r.urn);
  },
};

export const K8S_POLICIES = { resource: [requestsAndLimits, probes, nonRoot, noLatestTags], stack: [podDisruptionBudgets, networkPolicyCoverage, autoscalingMatchesOps, loadBalancerController] };
