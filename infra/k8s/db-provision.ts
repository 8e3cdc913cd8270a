// The Job that provisions the managed PostgreSQL before the services roll out (the image's
// `provision-database`, infra/image/provision.ts): the service roles with the passwords of the
// cluster's secrets, their schemas, audit and auth, the exporter's login, every service's migrations.
// It logs in as the database's admin: on prod RDS's master user, whose password RDS keeps in Secrets
// Manager (read here through the External Secrets Operator); on dev CloudNativePG's superuser. The
// Workloads wait for it, and a new image (new migrations) runs it again.
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES } from "../../ops/index.js";
import { MONITOR_DB_SECRET, MONITOR_ROLE, databaseSecretName } from "../secret-catalog.js";
import { PROVISION_ENV, servicePasswordVar } from "../image/provision-env.js";
import { PART_OF, namespaceSelector } from "./meta.js";
import type { Peer } from "./network-policies.js";
import { kubeObject } from "./objects.js";
import { certificateObject } from "./pki.js";
import { SECRET_STORE } from "./secrets.js";
import { RUN_AS_USER, SECRETS_DIR } from "./workload-spec.js";

export const DB_PROVISION = "db-provision";
/** The admin login, as a Secret with `username` and `password` in the Titan namespace. */
export const DB_ADMIN_SECRET = "titan-db-admin";
/** An attempt that has not finished by then is failed (and retried up to the backoff limit). */
const DEADLINE_SECONDS = 600;
const BACKOFF_LIMIT = 3;
const ESO_REFRESH = "1h";

export interface DatabaseProvisioningArgs {
  readonly namespace: string;
  readonly image: pulumi.Input<string>;
  readonly database: { readonly host: pulumi.Input<string>; readonly port: number; readonly name: string };
  readonly postgresPeer: Peer;
  /**
   * Where the admin login comes from: `secretsManager` (the RDS-managed master secret, copied by the
   * External Secrets Operator), or `existing` (a Secret DB_ADMIN_SECRET someone else creates: dev).
   */
  readonly admin: { readonly kind: "secretsManager"; readonly secretArn: pulumi.Input<string> } | { readonly kind: "existing" };
  /** CA bundle to trust for the server's certificate: a file in the image (RDS), or the internal CA (dev). */
  readonly ca: { readonly kind: "image"; readonly file: string } | { readonly kind: "internal" };
  readonly dependsOn: pulumi.Resource[];
}

const labels = { "app.kubernetes.io/name": DB_PROVISION, "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "pulumi" };
const podLabels = { "app.kubernetes.io/name": DB_PROVISION, "app.kubernetes.io/part-of": PART_OF };

interface FileSecret {
  readonly env: string;
  readonly secretName: string;
  readonly key: string;
}

/** The Job's secret files: the admin login, each service's password, the exporter's password. */
export const provisioningSecretFiles = (): FileSecret[] => [
  { env: PROVISION_ENV.adminUserFile, secretName: DB_ADMIN_SECRET, key: "username" },
  { env: PROVISION_ENV.adminPasswordFile, secretName: DB_ADMIN_SECRET, key: "password" },
  ...SERVICE_NAMES.map((service) => ({ env: servicePasswordVar(service), secretName: databaseSecretName(service), key: "password" })),
  { env: PROVISION_ENV.monitorPasswordFile, secretName: MONITOR_DB_SECRET, key: "password" },
];

const fileName = (f: FileSecret) => `${f.secretName}--${f.key}`;

export function provisioningJobSpec(args: Pick<DatabaseProvisioningArgs, "image" | "database" | "ca">) {
  const files = provisioningSecretFiles();
  const caFile = args.ca.kind === "image" ? args.ca.file : `${SECRETS_DIR}/tls/ca.crt`;
  const env: Record<string, pulumi.Input<string>> = {
    NODE_EXTRA_CA_CERTS: caFile,
    [PROVISION_ENV.host]: args.database.host,
    [PROVISION_ENV.port]: String(args.database.port),
    [PROVISION_ENV.database]: args.database.name,
    [PROVISION_ENV.ssl]: "true",
    [PROVISION_ENV.monitorRole]: MONITOR_ROLE,
    ...Object.fromEntries(files.map((f) => [f.env, `${SECRETS_DIR}/files/${fileName(f)}`])),
  };
  const sources = [...new Set(files.map((f) => f.secretName))].sort().map((name) => ({
    secret: { name, items: files.filter((f) => f.secretName === name).map((f) => ({ key: f.key, path: fileName(f) })) },
  }));
  return {
    backoffLimit: BACKOFF_LIMIT,
    activeDeadlineSeconds: DEADLINE_SECONDS * (BACKOFF_LIMIT + 1),
    template: {
      metadata: { labels: podLabels },
      spec: {
        serviceAccountName: DB_PROVISION,
        automountServiceAccountToken: false,
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{
          name: DB_PROVISION,
          image: args.image,
          imagePullPolicy: "IfNotPresent",
          args: ["provision-database"],
          env: Object.keys(env).sort().map((name) => ({ name, value: env[name] })),
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
          volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "secrets", mountPath: `${SECRETS_DIR}/files`, readOnly: true },
            ...(args.ca.kind === "internal" ? [{ name: "tls", mountPath: `${SECRETS_DIR}/tls`, readOnly: true }] : []),
          ],
        }],
        volumes: [
          { name: "tmp", emptyDir: {} },
          { name: "secrets", projected: { defaultMode: 0o440, sources } },
          ...(args.ca.kind === "internal" ? [{ name: "tls", secret: { secretName: `${DB_PROVISION}-tls`, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
        ],
      },
    },
  };
}

export class DatabaseProvisioning extends pulumi.ComponentResource {
  /** The Job: the services depend on it, so they start on a provisioned, migrated database. */
  readonly job: pulumi.CustomResource;

  constructor(name: string, args: DatabaseProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("titan:k8s:DatabaseProvisioning", name, {}, opts);
    const ns = args.namespace;
    const child = { parent: this, dependsOn: args.dependsOn };
    const before: pulumi.Resource[] = [];
    if (args.admin.kind === "secretsManager") {
      before.push(kubeObject(`${name}-admin`, {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: DB_ADMIN_SECRET, namespace: ns, labels },
        spec: {
          refreshInterval: ESO_REFRESH,
          secretStoreRef: { kind: "ClusterSecretStore", name: SECRET_STORE },
          target: { name: DB_ADMIN_SECRET, creationPolicy: "Owner", deletionPolicy: "Retain" },
          data: ["username", "password"].map((key) => ({ secretKey: key, remoteRef: { key: args.admin.kind === "secretsManager" ? args.admin.secretArn : "", property: key } })),
        },
      }, child));
    }
    if (args.ca.kind === "internal") before.push(kubeObject(`${name}-cert`, certificateObject(DB_PROVISION, ns), child));
    kubeObject(`${name}-sa`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DB_PROVISION, namespace: ns, labels }, automountServiceAccountToken: false }, child);
    const peer = args.postgresPeer;
    kubeObject(`${name}-netpol`, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `${DB_PROVISION}-flows`, namespace: ns, labels },
      spec: {
        podSelector: { matchLabels: podLabels },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [{
          to: peer.kind === "cidrs" ? peer.cidrs.map((cidr) => ({ ipBlock: { cidr } })) : [{ namespaceSelector: namespaceSelector(peer.namespace), podSelector: { matchLabels: { ...peer.podLabels } } }],
          ports: [{ protocol: "TCP", port: peer.port }],
        }],
      },
    }, child);
    // Same name on every run: the pod template changes with the image, which replaces the Job (its
    // template is immutable), deleting the old one first. Pulumi waits for the Job to complete.
    this.job = kubeObject(`${name}-job`, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: DB_PROVISION, namespace: ns, labels },
      spec: provisioningJobSpec(args),
    }, { ...child, dependsOn: [...args.dependsOn, ...before], deleteBeforeReplace: true });
    this.registerOutputs({});
  }
}
