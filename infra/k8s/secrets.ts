// Secrets reach pods as Kubernetes Secrets built outside the repository: on AWS the External Secrets
// Operator copies them from Secrets Manager (a ClusterSecretStore with its IRSA role); on dev the
// stack generates them. Either way the catalogue (secret-catalog.ts) says which exist.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GENERATED_SECRET_LENGTH, SECRET_CATALOG, type SecretSpec } from "../secret-catalog.js";
import { kubeObject } from "./objects.js";

export const SECRET_STORE = "titan-aws";

export interface ClusterSecretsArgs {
  readonly namespaces: readonly string[];
  readonly dependsOn: pulumi.Resource[];
  /** AWS: where ESO reads from. Absent: generate values in the cluster (dev). */
  readonly aws?: { readonly region: string; readonly remoteNames: Readonly<Record<string, string>> };
  /** Extra copies in other namespaces (exporters, dev data services), by secret name. */
  readonly copies?: Readonly<Record<string, readonly string[]>>;
}

/** ESO refreshes from Secrets Manager this often, so a rotated exchange key reaches pods within the hour. */
const REFRESH = "1h";

function externalSecret(spec: SecretSpec, namespace: string, remoteName: string) {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: spec.name, namespace },
    spec: {
      refreshInterval: REFRESH,
      secretStoreRef: { kind: "ClusterSecretStore", name: SECRET_STORE },
      target: { name: spec.name, creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: spec.keys.map((key) => ({ secretKey: key, remoteRef: { key: remoteName, property: key } })),
    },
  };
}

export class ClusterSecrets extends pulumi.ComponentResource {
  readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: ClusterSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:ClusterSecrets", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    const where = (spec: SecretSpec) => [...args.namespaces, ...(args.copies?.[spec.name] ?? [])];
    if (args.aws) {
      const store = kubeObject(`${name}-store`, {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: SECRET_STORE },
        spec: {
          provider: {
            aws: { service: "SecretsManager", region: args.aws.region, auth: { jwt: { serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" } } } },
          },
        },
      }, child);
      this.ready.push(store);
      for (const spec of SECRET_CATALOG) {
        const remote = args.aws.remoteNames[spec.name];
        if (remote === undefined) throw new Error(`secrets: no Secrets Manager name for ${spec.name}`);
        for (const ns of where(spec)) this.ready.push(kubeObject(`${name}-${ns}-${spec.name}`, externalSecret(spec, ns, remote), { ...child, dependsOn: [store] }));
      }
    } else {
      for (const spec of SECRET_CATALOG.filter((s) => s.source === "generated")) {
        const value = new random.RandomPassword(`${name}-${spec.name}`, { length: GENERATED_SECRET_LENGTH, special: false }, { parent: this });
        const generatedKey = spec.keys.find((k) => !(k in (spec.fixed ?? {}))) as string;
        for (const ns of where(spec)) {
          this.ready.push(kubeObject(`${name}-${ns}-${spec.name}`, {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: spec.name, namespace: ns },
            // basic-auth is what CloudNativePG's managed roles expect for a login secret.
            type: spec.fixed?.username !== undefined ? "kubernetes.io/basic-auth" : "Opaque",
            stringData: pulumi.secret(value.result.apply((v) => ({ ...spec.fixed, [generatedKey]: v }))),
          }, child));
        }
      }
    }
    this.registerOutputs({});
  }
}
