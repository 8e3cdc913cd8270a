// Validates Kubernetes objects against the upstream schemas (kubernetes-models and its CRD packages),
// the check a cluster's API server would make, done offline.

export type ManifestVerdict =
  | { readonly status: "valid" }
  | { readonly status: "invalid"; readonly error: string }
  | { readonly status: "no-schema"; readonly reason: string };

/** CRD groups and the kubernetes-models package that carries their schemas. */
const CRD_PACKAGES: Readonly<Record<string, string>> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "keda.sh": "@kubernetes-models/keda",
  "external-secrets.io": "@kubernetes-models/external-secrets",
};

/** external-secrets.io/v1 kept v1beta1's schema unchanged; the package ships schemas up to v1beta1. */
const SCHEMA_VERSION_OF: Readonly<Record<string, string>> = { "external-secrets.io/v1": "external-secrets.io/v1beta1" };

/** Kinds no schema package on the registry covers: listed so a new one is noticed, never silently skipped. */
export const KINDS_WITHOUT_SCHEMA: ReadonlySet<string> = new Set([
  "autoscaling.k8s.io/v1/VerticalPodAutoscaler",
  "postgresql.cnpg.io/v1/Cluster",
  "postgresql.cnpg.io/v1/ScheduledBackup",
]);

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

const modelCache = new Map<string, ModelClass | undefined>();

function modulePath(apiVersion: string): { path: string; known: boolean } {
  const effective = SCHEMA_VERSION_OF[apiVersion] ?? apiVersion;
  const [group, version] = effective.includes("/") ? (effective.split("/") as [string, string]) : ["", effective];
  if (group === "" || !group.includes(".") || group.endsWith(".k8s.io")) return { path: `kubernetes-models/${group === "" ? "" : `${group}/`}${version}`, known: true };
  const pkg = CRD_PACKAGES[group];
  return pkg ? { path: `${pkg}/${group}/${version}`, known: true } : { path: "", known: false };
}

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const key = `${apiVersion}/${kind}`;
  if (modelCache.has(key)) return modelCache.get(key);
  const { path, known } = modulePath(apiVersion);
  let model: ModelClass | undefined;
  if (known) {
    try {
      const mod = (await import(`${path}/${kind}`)) as Record<string, unknown>;
      model = mod[kind] as ModelClass | undefined;
    } catch {
      model = undefined;
    }
  }
  modelCache.set(key, model);
  return model;
}

export async function validateManifest(object: { apiVersion?: unknown; kind?: unknown }): Promise<ManifestVerdict> {
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") return { status: "invalid", error: "apiVersion and kind must be strings" };
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) {
    return KINDS_WITHOUT_SCHEMA.has(key) ? { status: "no-schema", reason: `no schema package covers ${key}` } : { status: "invalid", error: `unknown kind ${key}: no schema found` };
  }
  const data = SCHEMA_VERSION_OF[object.apiVersion] ? { ...object, apiVersion: SCHEMA_VERSION_OF[object.apiVersion] } : object;
  try {
    new Model(data).validate();
    return { status: "valid" };
  } catch (error) {
    return { status: "invalid", error: error instanceof Error ? error.message : String(error) };
  }
}
