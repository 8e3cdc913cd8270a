// The entry points: F5's maintained NGINX Ingress Controller (the community ingress-nginx is end of
// life), one public for the console and the APIs, one internal for the monitoring UIs (never public).
// TLS at the edge is the seed's minimum version only, with certificates from cert-manager; NGINX speaks
// TLS to the services too.
import * as pulumi from "@pulumi/pulumi";
import { SECURITY, SERVICES, SERVICE_NAMES } from "../../ops/index.js";
import { CHARTS } from "./charts.js";
import { NAMESPACES } from "./meta.js";
import { helmRelease, kubeObject } from "./objects.js";

export const PUBLIC_CLASS = "nginx";
export const INTERNAL_CLASS = "nginx-internal";

export interface IngressArgs {
  readonly platform: "aws" | "kubernetes";
  readonly titanNamespace: string;
  readonly domain: string;
  readonly publicIssuer: string;
  readonly dependsOn: pulumi.Resource[];
}

/** NGINX's ssl_protocols from ops/SECURITY: the minimum version and every newer one it knows. */
export function sslProtocols(minimum: string): string {
  const known = ["TLSv1.2", "TLSv1.3"];
  const from = known.indexOf(minimum);
  if (from < 0) throw new Error(`ingress: unknown minimum TLS version ${minimum}`);
  return known.slice(from).join(" ");
}

function controllerValues(className: string, internal: boolean, platform: "aws" | "kubernetes") {
  const nlb = { "service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip" };
  const annotations = platform !== "aws" ? {} : { ...nlb, "service.beta.kubernetes.io/aws-load-balancer-scheme": internal ? "internal" : "internet-facing" };
  return {
    controller: {
      ingressClass: { name: className, create: true, setAsDefaultIngress: false },
      replicaCount: 2,
      enableSnippets: false,
      config: { entries: { "ssl-protocols": sslProtocols(SECURITY.minimumTlsVersion.value), "hsts": "true", "hsts-include-subdomains": "true", "server-tokens": "false" } },
      // Without AWS, the internal controller is reached by port-forward only.
      service: { type: internal && platform !== "aws" ? "ClusterIP" : "LoadBalancer", annotations, externalTrafficPolicy: "Local" },
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    prometheus: { create: true, serviceMonitor: { create: true } },
  };
}

export class Ingress extends pulumi.ComponentResource {
  constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Ingress", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const controller = helmRelease(`${name}-public`, CHARTS.nginxIngress, NAMESPACES.ingress, controllerValues(PUBLIC_CLASS, false, args.platform), child, "nginx-public");
    helmRelease(`${name}-internal`, CHARTS.nginxIngress, NAMESPACES.ingress, controllerValues(INTERNAL_CLASS, true, args.platform), child, "nginx-internal");
    const routed = SERVICE_NAMES.filter((s) => SERVICES[s].httpPort !== null && SERVICES[s].ingressPrefix !== "");
    // Longest prefix first, so /api/brain/ is never swallowed by the console's "/".
    const paths = [...routed].sort((a, b) => SERVICES[b].ingressPrefix.length - SERVICES[a].ingressPrefix.length).map((service) => ({
      path: SERVICES[service].ingressPrefix,
      pathType: "Prefix",
      backend: { service: { name: service, port: { number: SERVICES[service].httpPort } } },
    }));
    kubeObject(`${name}-titan`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "titan",
        namespace: args.titanNamespace,
        annotations: { "cert-manager.io/cluster-issuer": args.publicIssuer, "nginx.org/ssl-services": routed.join(","), "nginx.org/redirect-to-https": "true" },
      },
      spec: { ingressClassName: PUBLIC_CLASS, tls: [{ hosts: [args.domain], secretName: "titan-public-tls" }], rules: [{ host: args.domain, http: { paths } }] },
    }, { ...child, dependsOn: [controller] });
    this.registerOutputs({});
  }
}
