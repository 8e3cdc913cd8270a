// cert-manager issuers: a cluster-internal CA for service-to-service TLS (every service, Redis and
// PostgreSQL in dev), and Let's Encrypt for the public entry point on a stack with a public domain.
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACES } from "./meta.js";
import { kubeObject } from "./objects.js";

export const INTERNAL_ISSUER = "titan-internal-ca";
export const PUBLIC_ISSUER = "letsencrypt";

export interface PkiArgs {
  readonly acmeEmail: string;
  /** Let's Encrypt needs a publicly resolvable domain; without one the internal CA signs the entry point too. */
  readonly publicAcme: boolean;
  readonly dependsOn: pulumi.Resource[];
}

/** A certificate from the internal CA for `<name>.<namespace>.svc`, stored in Secret `<name>-tls`. */
export function certificateObject(name: string, namespace: string, extraDnsNames: string[] = []) {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: `${name}-tls`, namespace },
    spec: {
      secretName: `${name}-tls`,
      issuerRef: { kind: "ClusterIssuer", name: INTERNAL_ISSUER },
      dnsNames: [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`, ...extraDnsNames],
      privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
      usages: ["server auth", "client auth"],
    },
  };
}

export class Pki extends pulumi.ComponentResource {
  readonly publicIssuer: string;
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: PkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:Pki", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const selfSigned = kubeObject(`${name}-selfsigned`, { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "titan-selfsigned" }, spec: { selfSigned: {} } }, child);
    const root = kubeObject(`${name}-root-ca`, {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "titan-root-ca", namespace: NAMESPACES.certManager },
      spec: {
        isCA: true,
        commonName: "Titan internal CA",
        secretName: "titan-root-ca",
        privateKey: { algorithm: "ECDSA", size: 384 },
        issuerRef: { kind: "ClusterIssuer", name: "titan-selfsigned" },
      },
    }, { ...child, dependsOn: [selfSigned] });
    this.ready.push(kubeObject(`${name}-internal`, {
      apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: INTERNAL_ISSUER }, spec: { ca: { secretName: "titan-root-ca" } },
    }, { ...child, dependsOn: [root] }));
    if (args.publicAcme) {
      this.ready.push(kubeObject(`${name}-letsencrypt`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: PUBLIC_ISSUER },
        spec: {
          acme: {
            server: "https://acme-v02.api.letsencrypt.org/directory",
            email: args.acmeEmail,
            privateKeySecretRef: { name: "letsencrypt-account" },
            solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
          },
        },
      }, child));
    }
    this.publicIssuer = args.publicAcme ? PUBLIC_ISSUER : INTERNAL_ISSUER;
    this.registerOutputs({ publicIssuer: this.publicIssuer });
  }
}
