// What each Helm chart the stacks install creates that costs money (volumes, load balancers) and the
// capacity its pods request, read from the release's values with the chart's defaults. A chart not
// known here, or values asking for a volume or a load balancer a chart rule does not account for, stop
// the estimate: charts cannot be rendered offline, so this table is the estimator's knowledge of them.
import type { Json } from "../../synth/graph.js";
import { at, num, obj, str } from "../model.js";
import { cpuCores, gibibytes } from "../quantities.js";

export interface ChartVolume {
  readonly what: string;
  readonly gib: number;
}

export interface ChartLoadBalancer {
  readonly what: string;
  readonly annotations: { readonly [key: string]: Json };
}

export interface ChartRequest {
  readonly workload: string;
  readonly cpuCores: number;
  readonly memoryGiB: number;
  readonly replicas: number;
}

export interface ChartCost {
  readonly volumes: readonly ChartVolume[];
  readonly loadBalancers: readonly ChartLoadBalancer[];
  readonly requests: readonly ChartRequest[];
  /** Workloads of the chart whose values declare no requests: they reserve nothing, so count nothing. */
  readonly withoutRequests: readonly string[];
}

interface ChartRule {
  /** Value paths this rule accounts for; a billable-looking path elsewhere is an error. */
  readonly handles: readonly string[];
  readonly cost: (values: Json) => ChartCost;
}

/** Requests of one workload of a chart; undefined when its values declare none. */
function requestsAt(values: Json, resourcesPath: string[], replicas: number, workload: string): ChartRequest | undefined {
  const requests = at(values, ...resourcesPath, "requests");
  if (requests === undefined || requests === null) return undefined;
  const cpu = at(requests, "cpu");
  const memory = at(requests, "memory");
  return {
    workload,
    cpuCores: cpu === undefined ? 0 : cpuCores(cpu, `${workload} cpu request`),
    memoryGiB: memory === undefined ? 0 : gibibytes(memory, `${workload} memory request`),
    replicas,
  };
}

function collect(parts: { volumes?: ChartVolume[]; loadBalancers?: ChartLoadBalancer[]; requests?: (readonly [string, ChartRequest | undefined])[] }): ChartCost {
  const requests = (parts.requests ?? []).filter(([, r]) => r !== undefined && r.replicas > 0).map(([, r]) => r as ChartRequest);
  const withoutRequests = (parts.requests ?? []).filter(([, r]) => r === undefined).map(([name]) => name);
  return { volumes: parts.volumes ?? [], loadBalancers: parts.loadBalancers ?? [], requests, withoutRequests };
}

const podsOnly = (...workloads: string[]): ChartRule => ({ handles: [], cost: () => collect({ requests: workloads.map((w) => [w, undefined] as const) }) });

const CHART_RULES: Readonly<Record<string, ChartRule>> = {
  "kube-prometheus-stack": {
    handles: ["prometheus.prometheusSpec.storageSpec", "alertmanager.alertmanagerSpec.storage", "grafana.persistence"],
    cost: (v) => {
      const prometheusReplicas = num(at(v, "prometheus", "prometheusSpec", "replicas")) ?? 1;
      const alertmanagerReplicas = num(at(v, "alertmanager", "alertmanagerSpec", "replicas")) ?? 1;
      const volumes: ChartVolume[] = [];
      const prometheusSize = at(v, "prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage");
      if (prometheusSize !== undefined) volumes.push({ what: `Prometheus data (${prometheusReplicas} × ${String(prometheusSize)})`, gib: prometheusReplicas * gibibytes(prometheusSize) });
      const alertmanagerSize = at(v, "alertmanager", "alertmanagerSpec", "storage", "volumeClaimTemplate", "spec", "resources", "requests", "storage");
      if (alertmanagerSize !== undefined) volumes.push({ what: `Alertmanager data (${alertmanagerReplicas} × ${String(alertmanagerSize)})`, gib: alertmanagerReplicas * gibibytes(alertmanagerSize) });
      if (at(v, "grafana", "persistence", "enabled") === true) volumes.push({ what: "Grafana data", gib: gibibytes(at(v, "grafana", "persistence", "size") ?? "10Gi") });
      return collect({
        volumes,
        requests: [
          ["prometheus", requestsAt(v, ["prometheus", "prometheusSpec", "resources"], prometheusReplicas, "prometheus")],
          ["alertmanager", requestsAt(v, ["alertmanager", "alertmanagerSpec", "resources"], alertmanagerReplicas, "alertmanager")],
          ["grafana", requestsAt(v, ["grafana", "resources"], 1, "grafana")],
          ["prometheus-operator", requestsAt(v, ["prometheusOperator", "resources"], 1, "prometheus-operator")],
          ["node-exporter (one per node)", undefined],
          ["kube-state-metrics", undefined],
        ],
      });
    },
  },
  loki: {
    handles: ["singleBinary.persistence"],
    cost: (v) => {
      const replicas = num(at(v, "singleBinary", "replicas")) ?? 0;
      const persistence = at(v, "singleBinary", "persistence");
      const enabled = at(persistence, "enabled") !== false;
      const size = at(persistence, "size") ?? "10Gi";
      return collect({
        volumes: enabled && replicas > 0 ? [{ what: `Loki data (${replicas} × ${String(size)})`, gib: replicas * gibibytes(size) }] : [],
        requests: [["loki", requestsAt(v, ["singleBinary", "resources"], replicas, "loki")], ["loki-gateway", undefined]],
      });
    },
  },
  "prometheus-pushgateway": {
    handles: ["persistentVolume"],
    cost: (v) => collect({
      volumes: at(v, "persistentVolume", "enabled") === true ? [{ what: `Pushgateway data (${String(at(v, "persistentVolume", "size") ?? "2Gi")})`, gib: gibibytes(at(v, "persistentVolume", "size") ?? "2Gi") }] : [],
      requests: [["pushgateway", requestsAt(v, ["resources"], 1, "pushgateway")]],
    }),
  },
  "nginx-ingress": {
    handles: ["controller.service"],
    cost: (v) => {
      const replicas = num(at(v, "controller", "replicaCount")) ?? 1;
      // The chart's default Service type is LoadBalancer.
      const type = str(at(v, "controller", "service", "type")) ?? "LoadBalancer";
      return collect({
        loadBalancers: type === "LoadBalancer" ? [{ what: "ingress controller Service", annotations: obj(at(v, "controller", "service", "annotations")) }] : [],
        requests: [["nginx-ingress controller", requestsAt(v, ["controller", "resources"], replicas, "nginx-ingress controller")]],
      });
    },
  },
  minio: {
    handles: ["persistence"],
    cost: (v) => {
      const standalone = str(at(v, "mode")) === "standalone";
      const replicas = standalone ? 1 : (num(at(v, "replicas")) ?? 16);
      const drives = standalone ? 1 : replicas * (num(at(v, "drivesPerNode")) ?? 1);
      const size = at(v, "persistence", "size") ?? "500Gi";
      return collect({
        volumes: at(v, "persistence", "enabled") !== false ? [{ what: `MinIO data (${drives} × ${String(size)})`, gib: drives * gibibytes(size) }] : [],
        requests: [["minio", requestsAt(v, ["resources"], replicas, "minio")]],
      });
    },
  },
  "cert-manager": podsOnly("cert-manager", "cert-manager-webhook", "cert-manager-cainjector"),
  "external-secrets": podsOnly("external-secrets", "external-secrets-webhook", "external-secrets-cert-controller"),
  keda: podsOnly("keda-operator", "keda-metrics-apiserver", "keda-admission-webhooks"),
  vpa: podsOnly("vpa-recommender"),
  "cluster-autoscaler": podsOnly("cluster-autoscaler"),
  // Its load balancers are the ingress controllers' Services, priced with nginx-ingress.
  "aws-load-balancer-controller": {
    handles: [],
    cost: (v) => {
      const replicas = num(at(v, "replicaCount")) ?? 2;
      return collect({ requests: [["aws-load-balancer-controller", requestsAt(v, ["resources"], replicas, "aws-load-balancer-controller")]] });
    },
  },
  alloy: podsOnly("alloy (one per node)"),
  "oauth2-proxy": podsOnly("oauth2-proxy"),
  "prometheus-postgres-exporter": podsOnly("postgres-exporter"),
  "prometheus-redis-exporter": podsOnly("redis-exporter"),
  "cloudnative-pg": podsOnly("cloudnative-pg operator"),
};

const BILLABLE_KEY = /persisten|storageSpec|volumeClaimTemplate/i;

/** Value paths that usually create a volume or a load balancer. */
function billablePaths(value: Json | undefined, path: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => billablePaths(v, [...path, String(i)]));
  if (value === null || typeof value !== "object") return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const here = [...path, key];
    if (key === "type" && child === "LoadBalancer") found.push(here.join("."));
    else if (BILLABLE_KEY.test(key) && obj(child).enabled !== false && child !== false) found.push(here.join("."));
    else found.push(...billablePaths(child, here));
  }
  return found;
}

export const knownCharts = (): string[] => Object.keys(CHART_RULES).sort();

/** The cost-bearing parts of a Helm release; throws for an unknown chart or unaccounted billable values. */
export function chartCost(chart: string, values: Json | undefined, where: string): ChartCost {
  const rule = CHART_RULES[chart];
  if (!rule) throw new UnknownChartError(chart, where);
  const unaccounted = billablePaths(values ?? {}).filter((path) => !rule.handles.some((h) => path === h || path.startsWith(`${h}.`)));
  if (unaccounted.length > 0) throw new Error(`${where}: chart ${chart} values ask for ${unaccounted.join(", ")}, which infra/cost/rules/charts.ts does not price`);
  return rule.cost(values ?? {});
}

export class UnknownChartError extends Error {
  constructor(readonly chart: string, where: string) {
    super(`${where}: no cost rule for Helm chart '${chart}' (infra/cost/rules/charts.ts knows ${knownCharts().join(", ")})`);
    this.name = "UnknownChartError";
  }
}
