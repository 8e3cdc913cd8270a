// Hand-built resource graphs for the cost tests: the same shape the synth records.
import type { GraphResource, Json } from "../synth/graph.js";

const PROJECT_URN = "urn:pulumi:test::titan";
export const PRIMARY = `${PROJECT_URN}::pulumi:providers:aws::aws-primary`;
export const BACKUP = `${PROJECT_URN}::pulumi:providers:aws::aws-backup-region`;

export interface ResourceOptions {
  readonly parent?: GraphResource;
  readonly custom?: boolean;
  readonly provider?: string;
}

/** A registration as the synth records it; children's URNs carry their parent's type, as Pulumi's do. */
export function resource(type: string, name: string, inputs: { readonly [key: string]: Json }, opts: ResourceOptions = {}): GraphResource {
  const parentType = opts.parent ? `${opts.parent.urn.split("::")[2]}$` : "";
  return {
    urn: `${PROJECT_URN}::${parentType}${type}::${name}`,
    type,
    name,
    parent: opts.parent?.urn,
    custom: opts.custom ?? true,
    provider: opts.provider,
    dependsOn: [],
    inputs,
  };
}

export const component = (type: string, name: string): GraphResource => resource(type, name, {}, { custom: false });
