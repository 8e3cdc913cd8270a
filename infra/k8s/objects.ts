// Two ways every Kubernetes thing enters the graph: a plain object (typed class for core/v1 so the
// provider's type token is the usual one, CustomResource for the rest) and a pinned Helm release.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ChartRef } from "./charts.js";

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** Annotation values may be outputs of other resources (an IAM role's ARN). */
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, pulumi.Input<string>> };
  readonly [field: string]: unknown;
}

type Opts = pulumi.CustomResourceOptions;

/** Creates one object; `metadata.name` is always explicit so synth output is deterministic. */
export function kubeObject(name: string, object: KubeObject, opts: Opts): pulumi.CustomResource {
  const args = object as never;
  if (object.apiVersion === "v1") {
    switch (object.kind) {
      case "Namespace":
        return new k8s.core.v1.Namespace(name, args, opts);
      case "Service":
        return new k8s.core.v1.Service(name, args, opts);
      case "ServiceAccount":
        return new k8s.core.v1.ServiceAccount(name, args, opts);
      case "ConfigMap":
        return new k8s.core.v1.ConfigMap(name, args, opts);
      case "Secret":
        return new k8s.core.v1.Secret(name, args, opts);
      case "PersistentVolumeClaim":
        return new k8s.core.v1.PersistentVolumeClaim(name, args, opts);
      default:
        throw new Error(`kubeObject: no typed class for v1 ${object.kind}`);
    }
  }
  return new k8s.apiextensions.CustomResource(name, args, opts);
}

export function namespace(name: string, labels: Record<string, string>, opts: Opts): pulumi.CustomResource {
  return kubeObject(`ns-${name}`, { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "app.kubernetes.io/part-of": "titan", ...labels } } }, opts);
}

/**
 * A Helm release pinned to one chart version; the synth records chart, version, repository and values.
 * The release is named after the chart unless told otherwise, so in-cluster service names are stable.
 */
export function helmRelease(
  name: string, chart: ChartRef, namespace: string, values: Record<string, unknown>, opts: pulumi.CustomResourceOptions, releaseName: string = chart.chart,
): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(name, {
    name: releaseName,
    chart: chart.chart,
    version: chart.version,
    repositoryOpts: { repo: chart.repo },
    namespace,
    createNamespace: false,
    atomic: true,
    cleanupOnFail: true,
    values,
  }, opts);
}

/** Pod Security admission: the Titan namespaces run only what the restricted profile allows. */
export const RESTRICTED = { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/audit": "restricted" };
