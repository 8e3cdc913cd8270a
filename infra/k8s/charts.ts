// Every Helm chart the stacks install, pinned, in one place so an upgrade is one reviewed line.
// Charts cannot be fetched on the build machines: the synth records chart, version, repository and
// values, which is what a reviewer reads; `pulumi up` fetches them. Each pin names the public record
// that shows the version was published (a Helm repository index, the chart's Chart.yaml at a commit,
// or a deployment or upgrade of exactly that version); the records were read offline, 2026-09.

export interface ChartRef {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  /** Where this exact version is shown to exist. */
  readonly source: string;
}

export const CHARTS = {
  certManager: {
    chart: "cert-manager", version: "v1.18.2", repo: "https://charts.jetstack.io",
    source: "graphops/launchpad-namespaces PR #1785 upgrades jetstack/cert-manager v1.18.2 → v1.19.0",
  },
  externalSecrets: {
    chart: "external-secrets", version: "0.19.2", repo: "https://charts.external-secrets.io",
    source: "sylva-projects/sylva-core MR !5183 (0.19.1 → 0.19.2, image v0.19.2); rackerlabs/understack PR #1462 upgrades from it",
  },
  keda: {
    chart: "keda", version: "2.17.2", repo: "https://kedacore.github.io/charts",
    source: "public install guides pulling kedacore/keda --version 2.17.2 (keda-2.17.2.tgz); KEDA's chart version follows the app release v2.17.2",
  },
  vpa: {
    chart: "vpa", version: "4.10.1", repo: "https://charts.fairwinds.com/stable",
    source: "FairwindsOps/charts issue #1678 (`helm search repo fairwinds-stable/vpa`: chart 4.10.1, app 1.4.1); 4.8.0 was pinned before and has no record",
  },
  clusterAutoscaler: {
    chart: "cluster-autoscaler", version: "9.50.1", repo: "https://kubernetes.github.io/autoscaler",
    source: "kubernetes/autoscaler gh-pages index.yaml (9.50.1, appVersion 1.33.0, created 2025-08-14), matching EKS 1.33",
  },
  awsLoadBalancerController: {
    chart: "aws-load-balancer-controller", version: "1.13.4", repo: "https://aws.github.io/eks-charts",
    source: "aws/eks-charts index.yaml (1.13.4, appVersion v2.13.4); its IAM policy is aws/lb-controller-policy.ts",
  },
  // F5's maintained NGINX Ingress Controller: the community ingress-nginx reached end of life in March 2026.
  nginxIngress: {
    chart: "nginx-ingress", version: "2.2.2", repo: "https://helm.nginx.com/stable",
    source: "`helm pull nginx-stable/nginx-ingress` downloading nginx-ingress-2.2.2.tgz (public walkthrough); Artifact Hub's feed lists the 2.x line up to 2.5.1",
  },
  kubePrometheusStack: {
    chart: "kube-prometheus-stack", version: "77.6.2", repo: "https://prometheus-community.github.io/helm-charts",
    source: "graphops/launchpad-namespaces PR #1739 upgrades 77.6.2 → 77.7.0; a published `helm history` shows kube-prometheus-stack-77.6.2 with operator v0.85.0",
  },
  pushgateway: {
    chart: "prometheus-pushgateway", version: "3.4.1", repo: "https://prometheus-community.github.io/helm-charts",
    source: "sylva-projects/sylva-core MR !4901 (3.4.0 → 3.4.1)",
  },
  postgresExporter: {
    chart: "prometheus-postgres-exporter", version: "7.3.0", repo: "https://prometheus-community.github.io/helm-charts",
    source: "gitlab-com gitlab-helmfiles MR !8316 (4.8.0 → 7.3.0, release notes of 7.2.0, 7.2.1, 7.3.0); 7.1.1 was pinned before and has no record",
  },
  redisExporter: {
    chart: "prometheus-redis-exporter", version: "6.20.0", repo: "https://prometheus-community.github.io/helm-charts",
    source: "gitlab-com tenant-observability-stack MR !489 (6.19.0 → 6.20.0, redis_exporter v1.80.0); 6.16.0 was pinned before and has no record",
  },
  loki: {
    chart: "loki", version: "6.29.0", repo: "https://grafana.github.io/helm-charts",
    source: "grafana/loki production/helm/loki/Chart.yaml at 009c6beb (version 6.29.0, appVersion 3.4.2); 6.40.0 was pinned before and has no record",
  },
  alloy: {
    chart: "alloy", version: "1.2.1", repo: "https://grafana.github.io/helm-charts",
    source: "mirrored chart archive helm-chart/alloy-1.2.1.tgz and a published alloy-1.2.1-values.yaml (FHISkybert infra)",
  },
  oauth2Proxy: {
    chart: "oauth2-proxy", version: "7.18.0", repo: "https://oauth2-proxy.github.io/manifests",
    source: "a public chart vendoring its dependency as charts/oauth2-proxy-7.18.0.tgz",
  },
  cloudnativePg: {
    chart: "cloudnative-pg", version: "0.26.0", repo: "https://cloudnative-pg.github.io/charts",
    source: "sylva-projects/sylva-core MR !5188 (0.25.0 → 0.26.0); rackerlabs/understack PR #1413 upgrades from it",
  },
  minio: {
    chart: "minio", version: "5.4.0", repo: "https://charts.min.io",
    source: "grafana/loki production/helm/loki/Chart.yaml at 009c6beb depends on minio 5.4.0 from https://charts.min.io/",
  },
} as const satisfies Record<string, ChartRef>;

/** Images the stacks pin themselves (not through a chart's defaults). */
export const IMAGES = {
  // The version of Debian's promtool that tests the alert and autoscaling rules (tests/infra checks it).
  prometheus: { repository: "quay.io/prometheus/prometheus", tag: "v2.42.0" },
  redis: { repository: "docker.io/library/redis", tag: "7.4.5-bookworm" },
  postgres: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "16.6-bookworm" },
} as const;
