// Autoscaling that follows the seed's scaling triggers exactly. A Kubernetes HPA cannot: its
// stabilisation windows are per direction, not per metric, and "below 30 %" has no stable form
// (tooling.md, "HPA"). So Prometheus recording rules compute each trigger from ops/ over the seed's own
// durations, combine them into a desired replica count, and KEDA's Prometheus scaler makes the HPA
// follow that one number (AverageValue with target 1: desired replicas = the metric).
import { SCALING_TRIGGERS, type ServiceName, promDuration } from "../../ops/index.js";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly RecordingRule[];
}

export interface AutoscalingTarget {
  readonly service: ServiceName;
  readonly namespace: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Bandwidth one pod may use: the denominator of the network trigger (stack configuration). */
  readonly podNetworkBytesPerSecond: number;
}

export type Triggers = typeof SCALING_TRIGGERS;

/** Window of the rate() under each utilisation; four 30 s scrapes, short next to every trigger duration. */
const RATE_WINDOW = "2m";

export const metricNames = {
  cpu: "titan:autoscaling_cpu_utilisation:ratio",
  memory: "titan:autoscaling_memory_utilisation:ratio",
  network: "titan:autoscaling_network_utilisation:ratio",
  scaleUp: (kind: string) => `titan:autoscaling_scale_up_${kind}:bool`,
  scaleDown: (kind: string) => `titan:autoscaling_scale_down_${kind}:bool`,
  anyScaleUp: "titan:autoscaling_scale_up:bool",
  allScaleDown: "titan:autoscaling_scale_down:bool",
  replicas: "titan:autoscaling_replicas:count",
  desired: "titan:autoscaling_desired_replicas:count",
} as const;

/**
 * "Held for the whole duration": the minimum (or maximum) over the window, and the series already
 * existed one window ago, so a series younger than the window cannot trigger on a partial history.
 */
const held = (series: string, bound: "above" | "below", ratio: number, seconds: number, sel: string): string => {
  const window = promDuration(seconds);
  const over = bound === "above" ? `min_over_time(${series}${sel}[${window}]) > bool ${ratio}` : `max_over_time(${series}${sel}[${window}]) < bool ${ratio}`;
  return `(${over}) and on(service) (${series}${sel} offset ${window})`;
};

export function scalingRecordingRules(target: AutoscalingTarget, triggers: Triggers = SCALING_TRIGGERS): RuleGroup {
  if (target.minReplicas < 1 || target.maxReplicas < target.minReplicas) {
    throw new Error(`autoscaling ${target.service}: needs 1 <= minReplicas <= maxReplicas, got ${target.minReplicas}..${target.maxReplicas}`);
  }
  const { service, namespace } = target;
  const labels = { service };
  const sel = `{service="${service}"}`;
  const container = `namespace="${namespace}",container="${service}"`;
  // A Deployment's pods are <name>-<replicaset hash>-<suffix>; network counters are per pod, not per container.
  const pods = `namespace="${namespace}",pod=~"${service}-[a-z0-9]+-[a-z0-9]+"`;
  const rule = (record: string, expr: string): RecordingRule => ({ record, expr, labels });
  return {
    name: `titan-autoscaling-${service}`,
    rules: [
      // Utilisation relative to requests, as the HPA's own Utilization target measures it.
      rule(metricNames.cpu, `sum(rate(container_cpu_usage_seconds_total{${container}}[${RATE_WINDOW}])) / sum(kube_pod_container_resource_requests{${container},resource="cpu"})`),
      rule(metricNames.memory, `sum(container_memory_working_set_bytes{${container}}) / sum(kube_pod_container_resource_requests{${container},resource="memory"})`),
      rule(
        metricNames.network,
        `sum(rate(container_network_receive_bytes_total{${pods}}[${RATE_WINDOW}]) + rate(container_network_transmit_bytes_total{${pods}}[${RATE_WINDOW}]))` +
          ` / (count(kube_pod_info{${pods}}) * ${target.podNetworkBytesPerSecond})`,
      ),
      rule(metricNames.scaleUp("cpu"), held(metricNames.cpu, "above", triggers.cpu.scaleUp.ratio, triggers.cpu.scaleUp.sustainedSeconds, sel)),
      rule(metricNames.scaleUp("memory"), held(metricNames.memory, "above", triggers.memory.scaleUp.ratio, triggers.memory.scaleUp.sustainedSeconds, sel)),
      rule(metricNames.scaleUp("network"), held(metricNames.network, "above", triggers.network.scaleUp.ratio, triggers.network.scaleUp.sustainedSeconds, sel)),
      rule(metricNames.scaleDown("cpu"), held(metricNames.cpu, "below", triggers.cpu.scaleDown.ratio, triggers.cpu.scaleDown.sustainedSeconds, sel)),
      rule(metricNames.scaleDown("memory"), held(metricNames.memory, "below", triggers.memory.scaleDown.ratio, triggers.memory.scaleDown.sustainedSeconds, sel)),
      // Any one scale-up trigger adds capacity; scaling down needs CPU and memory both idle.
      rule(metricNames.anyScaleUp, `max by (service) ({__name__=~"titan:autoscaling_scale_up_(cpu|memory|network):bool",service="${service}"})`),
      rule(metricNames.allScaleDown, `${metricNames.scaleDown("cpu")}${sel} * on(service) ${metricNames.scaleDown("memory")}${sel}`),
      rule(metricNames.replicas, `max(kube_deployment_spec_replicas{namespace="${namespace}",deployment="${service}"})`),
      // One step at a time: +1 when any trigger holds, -1 when every scale-down trigger holds and none
      // to scale up; a missing trigger series counts as "does not hold".
      rule(
        metricNames.desired,
        `clamp(${metricNames.replicas}${sel}` +
          ` + on(service) (${metricNames.anyScaleUp}${sel} or ${metricNames.replicas}${sel} * 0)` +
          ` - on(service) (${metricNames.allScaleDown}${sel} * on(service) (1 - ${metricNames.anyScaleUp}${sel}) or ${metricNames.replicas}${sel} * 0),` +
          ` ${target.minReplicas}, ${target.maxReplicas})`,
      ),
    ],
  };
}

export interface ScaledObjectOptions {
  readonly prometheusUrl: string;
  /** At most one replica added or removed per this many seconds (stack configuration). */
  readonly scaleStepSeconds: number;
}

/** KEDA ScaledObject whose HPA follows the desired-replicas recording rule one-for-one. */
export function scaledObjectSpec(target: AutoscalingTarget, opts: ScaledObjectOptions): Record<string, unknown> {
  const step = { type: "Pods", value: 1, periodSeconds: opts.scaleStepSeconds };
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target.service },
    minReplicaCount: target.minReplicas,
    maxReplicaCount: target.maxReplicas,
    // Prometheus unreachable: hold the most capacity rather than shrink blind.
    fallback: { failureThreshold: 3, replicas: target.maxReplicas },
    advanced: {
      horizontalPodAutoscalerConfig: {
        // The rules already demand that each condition held for the seed's duration: no second window.
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Min", policies: [step] },
          scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: "Min", policies: [step] },
        },
      },
    },
    triggers: [
      {
        type: "prometheus",
        metricType: "AverageValue",
        metadata: { serverAddress: opts.prometheusUrl, query: `${metricNames.desired}{service="${target.service}"}`, threshold: "1" },
      },
    ],
  };
}
