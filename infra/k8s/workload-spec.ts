// Pure builders of each service's Kubernetes objects: one image whose argument selects the service,
// requests/limits/replicas/PDB from ops/SERVICE_CAPACITY, non-root read-only containers, HTTPS probes,
// secrets as mounted files (never environment values), single-writer services recreated, never doubled.
import type { Input } from "@pulumi/pulumi";
import { SERVICES, SERVICE_CAPACITY, type ServiceCapacity, type ServiceName } from "../../ops/index.js";
import { mebibytes, millicores, selectorLabels, serviceLabels } from "./meta.js";

/** A key of a Kubernetes Secret delivered to the container as the file behind `<env>_FILE`. */
export interface SecretFile {
  readonly env: string;
  readonly secretName: string;
  readonly key: string;
}

export interface WorkloadSpecInputs {
  readonly service: ServiceName;
  readonly image: Input<string>;
  /** Plain values (never secrets); may be outputs of other resources, such as the database host. */
  readonly env: Readonly<Record<string, Input<string>>>;
  readonly secretFiles: readonly SecretFile[];
  /** cert-manager Secret with tls.crt, tls.key and ca.crt for the service's own HTTPS listener. */
  readonly tlsSecretName: string;
  /** execution's trade tape survives restarts on this claim. */
  readonly tapeClaimName?: string;
  readonly capacity?: ServiceCapacity;
}

export const RUN_AS_USER = 10001;
export const SECRETS_DIR = "/var/run/secrets/titan";
export const STATE_DIR = "/var/lib/titan";
export const TAPE_DIR = `${STATE_DIR}/tape`;
/** ai-quant runs nightly at midnight, as under PM2 (ecosystem.config.cjs). */
export const AI_QUANT_SCHEDULE = "0 0 * * *";

const fileName = (file: SecretFile) => `${file.secretName}--${file.key}`;

export function resources(capacity: ServiceCapacity) {
  return {
    requests: { cpu: millicores(capacity.cpuRequestMillicores), memory: mebibytes(capacity.memoryRequestMiB) },
    limits: { cpu: millicores(capacity.cpuLimitMillicores), memory: mebibytes(capacity.memoryLimitMiB) },
  };
}

function podSpec(inputs: WorkloadSpecInputs, capacity: ServiceCapacity, restartPolicy: "Always" | "Never") {
  const { service } = inputs;
  const port = SERVICES[service].httpPort;
  const instanceId =
    capacity.scaling.kind === "horizontal"
      ? { name: "TITAN_INSTANCE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }
      : // One active replica: a stable id lets a restarted pod reclaim its own pending stream entries at once.
        { name: "TITAN_INSTANCE_ID", value: service };
  const env: Record<string, Input<string>> = {
    TITAN_ENV: "production",
    TITAN_STATE_DIR: STATE_DIR,
    TITAN_HTTP_HOST: "0.0.0.0",
    TITAN_TLS_CERT_FILE: `${SECRETS_DIR}/tls/tls.crt`,
    TITAN_TLS_KEY_FILE: `${SECRETS_DIR}/tls/tls.key`,
    ...(port !== null ? { TITAN_HTTP_PORT: String(port) } : {}),
    ...(inputs.tapeClaimName ? { TITAN_TAPE_DIR: TAPE_DIR } : {}),
    ...inputs.env,
  };
  for (const file of inputs.secretFiles) env[`${file.env}_FILE`] = `${SECRETS_DIR}/files/${fileName(file)}`;
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "https", scheme: "HTTPS" },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const container = {
    name: service,
    image: inputs.image,
    imagePullPolicy: "IfNotPresent",
    args: [service],
    env: [...Object.keys(env).sort().map((name) => ({ name, value: env[name] })), instanceId],
    ...(port !== null
      ? {
          ports: [{ name: "https", containerPort: port, protocol: "TCP" }],
          // Migrations run at start: give them a minute before liveness counts.
          startupProbe: probe("/health/live", 5, 12),
          livenessProbe: probe("/health/live", 10, 3),
          readinessProbe: probe("/health/ready", 5, 2),
        }
      : {}),
    resources: resources(capacity),
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
    volumeMounts: [
      { name: "tmp", mountPath: "/tmp" },
      { name: "state", mountPath: STATE_DIR },
      { name: "tls", mountPath: `${SECRETS_DIR}/tls`, readOnly: true },
      ...(inputs.secretFiles.length > 0 ? [{ name: "secrets", mountPath: `${SECRETS_DIR}/files`, readOnly: true }] : []),
      ...(inputs.tapeClaimName ? [{ name: "tape", mountPath: TAPE_DIR }] : []),
    ],
  };
  const secretSources = [...new Set(inputs.secretFiles.map((f) => f.secretName))].sort().map((name) => ({
    secret: {
      name,
      items: inputs.secretFiles.filter((f) => f.secretName === name).map((f) => ({ key: f.key, path: fileName(f) })),
    },
  }));
  return {
    serviceAccountName: service,
    automountServiceAccountToken: false,
    restartPolicy,
    terminationGracePeriodSeconds: 30,
    securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } },
    ...(capacity.scaling.kind === "horizontal"
      ? { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorLabels(service) } }] }
      : {}),
    containers: [container],
    volumes: [
      { name: "tmp", emptyDir: {} },
      { name: "state", emptyDir: {} },
      { name: "tls", secret: { secretName: inputs.tlsSecretName } },
      ...(secretSources.length > 0 ? [{ name: "secrets", projected: { defaultMode: 0o440, sources: secretSources } }] : []),
      ...(inputs.tapeClaimName ? [{ name: "tape", persistentVolumeClaim: { claimName: inputs.tapeClaimName } }] : []),
    ],
  };
}

export interface WorkloadObjects {
  readonly kind: "Deployment" | "CronJob";
  readonly spec: Record<string, unknown>;
  readonly service?: Record<string, unknown>;
  readonly pdb: Record<string, unknown>;
  readonly vpa: Record<string, unknown>;
}

/** The Deployment (or CronJob), Service, PodDisruptionBudget and VPA specs of one service. */
export function workloadObjects(inputs: WorkloadSpecInputs): WorkloadObjects {
  const { service } = inputs;
  const capacity = inputs.capacity ?? SERVICE_CAPACITY[service];
  const selector = { matchLabels: selectorLabels(service) };
  const template = (restart: "Always" | "Never") => ({ metadata: { labels: serviceLabels(service, "service") }, spec: podSpec(inputs, capacity, restart) });
  const pdb = { maxUnavailable: capacity.maxUnavailable, selector };
  // Recommendation mode only: requests stay what ops/ says until a person changes them there.
  const vpaFor = (kind: string) => ({
    targetRef: { apiVersion: kind === "CronJob" ? "batch/v1" : "apps/v1", kind, name: service },
    updatePolicy: { updateMode: "Off" },
  });
  const port = SERVICES[service].httpPort;
  const serviceSpec = port === null ? undefined : { selector: selectorLabels(service), ports: [{ name: "https", port, targetPort: "https", protocol: "TCP" }] };
  switch (capacity.scaling.kind) {
    case "job":
      return {
        kind: "CronJob",
        spec: {
          schedule: AI_QUANT_SCHEDULE,
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: { spec: { backoffLimit: 1, template: template("Never") } },
        },
        pdb,
        vpa: vpaFor("CronJob"),
      };
    case "single-writer":
      return {
        kind: "Deployment",
        // One active writer: Recreate stops the old pod before the new one starts, so two never overlap.
        spec: { replicas: 1, strategy: { type: "Recreate" }, selector, template: template("Always") },
        ...(serviceSpec ? { service: serviceSpec } : {}),
        pdb,
        vpa: vpaFor("Deployment"),
      };
    case "horizontal":
      return {
        kind: "Deployment",
        spec: {
          replicas: capacity.scaling.minReplicas,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: capacity.maxUnavailable } },
          selector,
          template: template("Always"),
        },
        ...(serviceSpec ? { service: serviceSpec } : {}),
        pdb,
        vpa: vpaFor("Deployment"),
      };
  }
}
