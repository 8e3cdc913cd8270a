// Monitoring: kube-prometheus-stack with Prometheus pinned to the version that tests the rules, the
// alert rules from alerts/ and the autoscaling rules as PrometheusRules, the dashboards from dashboards/
// as Grafana ConfigMaps, exporters for PostgreSQL and Redis, a Pushgateway for the ai-quant job. Grafana,
// Prometheus and Alertmanager sit behind single sign-on with MFA on the internal entry point only.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { STACK_JOBS } from "../../alerts/config.js";
import { RETENTION, promDuration, DAY_SECONDS } from "../../ops/index.js";
import type { RuleGroup } from "./autoscaling.js";
import { CHARTS, IMAGES } from "./charts.js";
import { INTERNAL_CLASS } from "./ingress.js";
import { NAMESPACES, gibibytes } from "./meta.js";
import { helmRelease, kubeObject, type KubeObject } from "./objects.js";
import { INTERNAL_ISSUER } from "./pki.js";

const NS = NAMESPACES.monitoring;
export const PROMETHEUS_URL = `http://kps-prometheus.${NS}.svc:9090/prometheus`;
export const PUSHGATEWAY = { url: `http://prometheus-pushgateway.${NS}.svc:9091`, podLabels: { "app.kubernetes.io/name": "prometheus-pushgateway" }, port: 9091 } as const;
export const LOKI_URL = `http://loki-gateway.${NS}.svc`;

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly json: unknown;
}

export interface SsoClients {
  readonly issuerUrl: pulumi.Input<string>;
  readonly authBaseUrl: pulumi.Input<string>;
  readonly grafana: { readonly clientId: pulumi.Input<string>; readonly clientSecret: pulumi.Input<string> };
  readonly proxy: { readonly clientId: pulumi.Input<string>; readonly clientSecret: pulumi.Input<string> };
}

export interface MonitoringArgs {
  readonly platform: "aws" | "kubernetes";
  readonly monitoringDomain: string;
  readonly prometheusStorageGiB: number;
  readonly datasourceUid: string;
  /** PrometheusRule objects from alerts/ (prometheusRuleObjects). */
  readonly alertRules: readonly object[];
  readonly alertmanagerConfig: Record<string, unknown> | undefined;
  readonly dashboards: readonly Dashboard[];
  readonly autoscalingRules: readonly RuleGroup[];
  /** Absent (dev): the UIs get no ingress at all and are reached by port-forward. */
  readonly sso: SsoClients | undefined;
  readonly exporters: {
    readonly postgres: { readonly host: pulumi.Input<string>; readonly port: number; readonly database: string; readonly secretName: string; readonly userKey: string; readonly passwordKey: string };
    readonly redis: { readonly address: pulumi.Input<string>; readonly secretName: string; readonly passwordKey: string };
  };
  readonly dependsOn: pulumi.Resource[];
}

/** Relabel a scrape job to the name the alert rules expect (alerts/config.ts STACK_JOBS). */
const jobAs = (job: string) => [{ targetLabel: "job", replacement: job, action: "replace" }];

export class Monitoring extends pulumi.ComponentResource {
  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Monitoring", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const host = args.monitoringDomain;
    const grafanaAdmin = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
    kubeObject(`${name}-grafana-admin`, {
      apiVersion: "v1", kind: "Secret", metadata: { name: "grafana-admin", namespace: NS },
      stringData: pulumi.secret(grafanaAdmin.result.apply((password) => ({ "admin-user": "admin", "admin-password": password }))),
    }, child);
    if (args.sso) {
      kubeObject(`${name}-grafana-oauth`, {
        apiVersion: "v1", kind: "Secret", metadata: { name: "grafana-oauth", namespace: NS },
        stringData: pulumi.secret(pulumi.all([args.sso.grafana.clientId, args.sso.grafana.clientSecret]).apply(([id, secret]) => ({
          GF_AUTH_GENERIC_OAUTH_CLIENT_ID: id, GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: secret,
        }))),
      }, child);
    }
    const stack = helmRelease(`${name}-kube-prometheus-stack`, CHARTS.kubePrometheusStack, NS, this.stackValues(args), child);
    const after = { ...child, dependsOn: [stack] };

    const rules = [...args.alertRules, ...args.autoscalingRules.map((group) => ({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: group.name, namespace: NS, labels: { "app.kubernetes.io/name": "titan", "app.kubernetes.io/component": "autoscaling-rules" } },
      spec: { groups: [group] },
    }))] as KubeObject[];
    for (const rule of rules) kubeObject(`${name}-rule-${rule.metadata.name}`, rule, after);
    for (const dashboard of args.dashboards) {
      kubeObject(`${name}-dashboard-${dashboard.uid}`, {
        apiVersion: "v1", kind: "ConfigMap",
        metadata: { name: `dashboard-${dashboard.uid}`.toLowerCase(), namespace: NS, labels: { grafana_dashboard: "1" } },
        data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard.json) },
      }, after);
    }
    this.exporters(name, args, after);
    if (args.sso) this.gate(name, args.sso, host, after);
    this.registerOutputs({});
  }

  private stackValues(args: MonitoringArgs): Record<string, unknown> {
    const host = args.monitoringDomain;
    const sso = args.sso;
    return {
      fullnameOverride: "kps",
      prometheus: {
        serviceMonitor: { relabelings: jobAs(STACK_JOBS.prometheus) },
        prometheusSpec: {
          image: { registry: IMAGES.prometheus.repository.split("/")[0], repository: IMAGES.prometheus.repository.split("/").slice(1).join("/"), tag: IMAGES.prometheus.tag },
          retention: promDuration(RETENTION.metricsDays.value * DAY_SECONDS),
          routePrefix: "/prometheus",
          externalUrl: `https://${host}/prometheus`,
          // Rules, monitors and pods of every namespace, not only this release's.
          ruleSelectorNilUsesHelmValues: false,
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: gibibytes(args.prometheusStorageGiB) } } } } },
          resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
        },
      },
      alertmanager: {
        serviceMonitor: { relabelings: jobAs(STACK_JOBS.alertmanager) },
        ...(args.alertmanagerConfig ? { config: args.alertmanagerConfig } : {}),
        alertmanagerSpec: { routePrefix: "/alertmanager", externalUrl: `https://${host}/alertmanager`, replicas: 2 },
      },
      "prometheus-node-exporter": { prometheus: { monitor: { relabelings: jobAs(STACK_JOBS.nodeExporter) } } },
      grafana: {
        fullnameOverride: "grafana",
        admin: { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
        sidecar: {
          dashboards: { enabled: true, label: "grafana_dashboard", searchNamespace: "ALL" },
          datasources: { uid: args.datasourceUid },
        },
        additionalDataSources: [{ name: "Loki", type: "loki", uid: "titan-loki", url: LOKI_URL, access: "proxy" }],
        ...(sso ? { envFromSecret: "grafana-oauth" } : {}),
        "grafana.ini": {
          server: { domain: host, root_url: `https://${host}/` },
          "auth.anonymous": { enabled: false },
          users: { allow_sign_up: false },
          ...(sso
            ? {
                auth: { disable_login_form: true, oauth_auto_login: true },
                "auth.generic_oauth": {
                  enabled: true, name: "Titan SSO (MFA)", scopes: "openid email profile", use_pkce: true,
                  auth_url: pulumi.interpolate`${sso.authBaseUrl}/oauth2/authorize`,
                  token_url: pulumi.interpolate`${sso.authBaseUrl}/oauth2/token`,
                  api_url: pulumi.interpolate`${sso.authBaseUrl}/oauth2/userInfo`,
                  allow_sign_up: true, auto_assign_org_role: "Viewer",
                },
              }
            : {}),
        },
        ...(sso ? { ingress: { enabled: true, ingressClassName: INTERNAL_CLASS, hosts: [host], path: "/", tls: [{ hosts: [host], secretName: "monitoring-tls" }], annotations: { "cert-manager.io/cluster-issuer": INTERNAL_ISSUER } } } : {}),
      },
    };
  }

  private exporters(name: string, args: MonitoringArgs, opts: pulumi.CustomResourceOptions): void {
    const pg = args.exporters.postgres;
    helmRelease(`${name}-postgres-exporter`, CHARTS.postgresExporter, NS, {
      serviceMonitor: { enabled: true, relabelings: jobAs(STACK_JOBS.postgresExporter) },
      config: {
        datasource: {
          host: pg.host, port: String(pg.port), database: pg.database, sslmode: "verify-full",
          userSecret: { name: pg.secretName, key: pg.userKey }, passwordSecret: { name: pg.secretName, key: pg.passwordKey },
        },
      },
    }, opts);
    const redis = args.exporters.redis;
    helmRelease(`${name}-redis-exporter`, CHARTS.redisExporter, NS, {
      redisAddress: redis.address,
      auth: { enabled: true, secret: { name: redis.secretName, key: redis.passwordKey } },
      serviceMonitor: { enabled: true, relabelings: jobAs(STACK_JOBS.redisExporter) },
    }, opts);
    helmRelease(`${name}-pushgateway`, CHARTS.pushgateway, NS, {
      serviceMonitor: { enabled: true, honorLabels: true, relabelings: jobAs(STACK_JOBS.pushgateway) },
      persistentVolume: { enabled: true, size: "2Gi" },
    }, opts);
  }

  /** oauth2-proxy in front of Prometheus and Alertmanager; Grafana does OAuth itself. */
  private gate(name: string, sso: SsoClients, host: string, opts: pulumi.CustomResourceOptions): void {
    const cookie = new random.RandomPassword(`${name}-proxy-cookie`, { length: 32, special: false }, { parent: this });
    kubeObject(`${name}-proxy-secret`, {
      apiVersion: "v1", kind: "Secret", metadata: { name: "oauth2-proxy", namespace: NS },
      stringData: pulumi.secret(pulumi.all([sso.proxy.clientId, sso.proxy.clientSecret, cookie.result]).apply(([id, secret, c]) => ({ "client-id": id, "client-secret": secret, "cookie-secret": c }))),
    }, opts);
    helmRelease(`${name}-oauth2-proxy`, CHARTS.oauth2Proxy, NS, {
      config: { existingSecret: "oauth2-proxy" },
      extraArgs: {
        provider: "oidc",
        "oidc-issuer-url": sso.issuerUrl,
        "email-domain": "*",
        "cookie-secure": true,
        "reverse-proxy": true,
        upstream: [`http://kps-prometheus.${NS}.svc:9090/prometheus/`, `http://kps-alertmanager.${NS}.svc:9093/alertmanager/`],
      },
      ingress: {
        enabled: true, className: INTERNAL_CLASS, hosts: [host], path: "/prometheus", pathType: "Prefix",
        extraPaths: [{ path: "/alertmanager", pathType: "Prefix", backend: { service: { name: "oauth2-proxy", port: { number: 80 } } } }, { path: "/oauth2", pathType: "Prefix", backend: { service: { name: "oauth2-proxy", port: { number: 80 } } } }],
        tls: [{ hosts: [host], secretName: "monitoring-tls" }],
      },
    }, opts);
  }
}
