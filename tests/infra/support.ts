// Lookups over a synthesised resource graph shared by the infra tests.
import type { GraphResource } from "../../infra/synth/graph.js";

export type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON

export const ofType = (resources: readonly GraphResource[], type: string): Props[] => resources.filter((r) => r.type === type).map((r) => r.inputs as Props);

export function only(resources: readonly GraphResource[], type: string, where: (p: Props) => boolean = () => true): Props {
  const found = ofType(resources, type).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as Props;
}

/** The Kubernetes object of a kind and name (and namespace, when given). */
export const manifest = (resources: readonly GraphResource[], kind: string, name: string, namespace?: string): Props =>
  only(resources, resources.find((r) => r.type.endsWith(`:${kind}`) && r.type.startsWith("kubernetes:"))?.type ?? `kubernetes:?:${kind}`, (p) => p.metadata?.name === name && (namespace === undefined || p.metadata?.namespace === namespace));

export const helmValues = (resources: readonly GraphResource[], chart: string): Props => only(resources, "kubernetes:helm.sh/v3:Release", (p) => p.chart === chart).values as Props;
