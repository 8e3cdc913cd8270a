// Every Helm chart the stacks install, pinned, in one place so an upgrade is one reviewed line.
// Charts cannot be fetched on the build machines: the synth records chart, version, repository and
// values, which is what a reviewer reads; `pulumi up` fetches them.

export interface ChartRef {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
}

export const CHARTS = {
  certManager: { chart: "cert-manager", version: "v1.18.2", repo: "https://charts.jetstack.io" },
  externalSecrets: { chart: "external-secrets", version: "0.19.2", repo: "https://charts.external-secrets.io" },
  keda: { chart: "keda", version: "2.17.2", repo: "https://kedacore.github.io/charts" },
  vpa: { chart: "vpa", version: "4.8.0", repo: "https://charts.fairwinds.com/stable" },
  clusterAutoscaler: { chart: "cluster-autoscaler", version: "9.50.1", repo: "https://kubernetes.github.io/autoscaler" },
  // F5's maintained NGINX Ingress Controller: the community ingress-nginx reached end of life in March 2026.
  nginxIngress: { chart: "nginx-ingress", version: "2.2.2", repo: "https://helm.nginx.com/stable" },
  kubePrometheusStack: { chart: "kube-prometheus-stack", version: "77.6.2", repo: "https://prometheus-community.github.io/helm-charts" },
  pushgateway: { chart: "prometheus-pushgateway", version: "3.4.1", repo: "https://prometheus-community.github.io/helm-charts" },
  postgresExporter: { chart: "prometheus-postgres-exporter", version: "7.1.1", repo: "https://prometheus-community.github.io/helm-charts" },
  redisExporter: { chart: "prometheus-redis-exporter", version: "6.16.0", repo: "https://prometheus-community.github.io/helm-charts" },
  loki: { chart: "loki", version: "6.40.0", repo: "https://grafana.github.io/helm-charts" },
  alloy: { chart: "alloy", version: "1.2.1", repo: "https://grafana.github.io/helm-charts" },
  oauth2Proxy: { chart: "oauth2-proxy", version: "7.18.0", repo: "https://oauth2-proxy.github.io/manifests" },
  cloudnativePg: { chart: "cloudnative-pg", version: "0.26.0", repo: "https://cloudnative-pg.github.io/charts" },
  minio: { chart: "minio", version: "5.4.0", repo: "https://charts.min.io" },
} as const satisfies Record<string, ChartRef>;

/** Images the stacks pin themselves (not through a chart's defaults). */
export const IMAGES = {
  // The version of Debian's promtool that tests the alert and autoscaling rules (tests/infra checks it).
  prometheus: { repository: "quay.io/prometheus/prometheus", tag: "v2.42.0" },
  redis: { repository: "docker.io/library/redis", tag: "7.4.5-bookworm" },
  postgres: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "16.6-bookworm" },
} as const;
