// Turns a synth result into the files reviewers read: resources.json, every Kubernetes manifest as YAML,
// every Helm release (chart, version, repository, values), the rule files, the dashboards and a
// summary. Pure: path → content, deterministic bytes for the same graph.
import { stringify } from "yaml";
import type { GraphResource, Json } from "./graph.js";
import type { SynthResult } from "./synth-stack.js";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

type JsonObject = { [key: string]: Json };

const asObject = (value: Json | undefined): JsonObject => (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {});

/** A Kubernetes object in the graph: every kubernetes: type except Helm releases and providers. */
export const isManifest = (r: GraphResource): boolean => r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE;

/** apiVersion, kind, metadata first (as people write manifests), then the rest in key order. */
export function manifestOf(r: GraphResource): JsonObject {
  const { apiVersion, kind, metadata, ...rest } = r.inputs;
  const out: JsonObject = { apiVersion: apiVersion ?? null, kind: kind ?? null, metadata: metadata ?? null };
  for (const key of Object.keys(rest).sort()) out[key] = rest[key] as Json;
  return out;
}

const yaml = (value: unknown): string => stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");

export interface SynthSummary {
  readonly stack: string;
  readonly resources: number;
  readonly customResources: number;
  readonly components: number;
  readonly kubernetesManifests: number;
  readonly helmReleases: number;
  readonly byType: Record<string, number>;
  /** Resources under each top-level component (and "(none)" for those outside any). */
  readonly byComponent: Record<string, number>;
  readonly outputs: JsonObject;
}

export function summarise(result: SynthResult): SynthSummary {
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const top = (r: GraphResource): string => {
    let current = r;
    while (current.parent !== undefined && byUrn.has(current.parent)) current = byUrn.get(current.parent) as GraphResource;
    return current === r && r.custom ? "(none)" : `${current.type}::${current.name}`;
  };
  const count = (keys: string[]) => Object.fromEntries([...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    stack: result.stack,
    resources: result.resources.length,
    customResources: result.resources.filter((r) => r.custom).length,
    components: result.resources.filter((r) => !r.custom).length,
    kubernetesManifests: result.resources.filter(isManifest).length,
    helmReleases: result.resources.filter((r) => r.type === HELM_RELEASE).length,
    byType: count(result.resources.map((r) => r.type)),
    byComponent: count(result.resources.filter((r) => r.custom).map(top)),
    outputs: result.outputs,
  };
}

/** Every file of build/synth/<stack>/, by relative path. */
export function renderSynth(result: SynthResult): Map<string, string> {
  const files = new Map<string, string>();
  const add = (path: string, content: string) => {
    if (files.has(path)) throw new Error(`synth: two artefacts would be written to ${path}`);
    files.set(path, content);
  };
  add("resources.json", json({ stack: result.stack, resources: result.resources }));
  for (const r of result.resources.filter(isManifest)) {
    const m = manifestOf(r);
    const meta = asObject(m.metadata);
    const where = typeof meta.namespace === "string" ? meta.namespace : "_cluster";
    add(`manifests/${where}/${slug(String(m.kind))}-${slug(String(meta.name))}.yaml`, yaml(m));
    if (m.kind === "PrometheusRule") add(`rules/${slug(String(meta.name))}.yml`, yaml({ groups: asObject(m.spec).groups ?? [] }));
    const labels = asObject(meta.labels);
    if (m.kind === "ConfigMap" && labels.grafana_dashboard === "1") {
      for (const [file, text] of Object.entries(asObject(m.data))) add(`dashboards/${file}`, json(JSON.parse(String(text))));
    }
  }
  for (const r of result.resources.filter((x) => x.type === HELM_RELEASE)) {
    const i = r.inputs;
    add(`helm/${slug(String(i.namespace))}-${slug(String(i.name))}.yaml`, yaml({
      release: i.name, namespace: i.namespace, chart: i.chart, version: i.version, repository: asObject(i.repositoryOpts).repo ?? null, values: i.values ?? {},
    }));
  }
  add("summary.json", json(summarise(result)));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}
