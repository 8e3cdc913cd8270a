// Runs the policy pack in-process over a synthesised resource graph, the way the Pulumi policy engine
// calls it during `pulumi preview --policy-pack`: each resource policy per resource, each stack policy
// once with every resource. Also builds the argument objects the policy tests hand-craft resources with.
import type { EnforcementLevel, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { GraphResource } from "../synth/graph.js";
import { POLICIES } from "./policies.js";

export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly urn: string | undefined;
  readonly message: string;
}

export interface PolicyInput {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Record<string, unknown>;
}

const unsupported = (what: string) => () => {
  throw new Error(`policy run: ${what} is not available offline; compare args.type instead`);
};

class NotApplicable extends Error {}

export function resourceArgs(input: PolicyInput): ResourceValidationArgs {
  return {
    type: input.type,
    name: input.name,
    urn: input.urn ?? `urn:pulumi:offline::titan::${input.type}::${input.name}`,
    props: input.props,
    opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(),
    isType: unsupported("isType") as never,
    asType: unsupported("asType") as never,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

const policyResource = (input: PolicyInput): PolicyResource => ({ ...resourceArgs(input), dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource;

const fromGraph = (r: GraphResource): PolicyInput => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs as Record<string, unknown> });

export async function checkResource(policy: ResourceValidationPolicy, input: PolicyInput): Promise<Violation[]> {
  const out: Violation[] = [];
  const args = resourceArgs(input);
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
  for (const validate of validations) {
    try {
      await validate(args, (message) => out.push({ policy: policy.name, enforcementLevel: policy.enforcementLevel ?? "advisory", urn: args.urn, message }));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return out;
}

export async function checkStack(policy: StackValidationPolicy, inputs: readonly PolicyInput[]): Promise<Violation[]> {
  const out: Violation[] = [];
  const resources = inputs.map(policyResource);
  try {
    await policy.validateStack(
      { resources, stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable: (reason?: string): never => { throw new NotApplicable(reason); } },
      (message, urn) => out.push({ policy: policy.name, enforcementLevel: policy.enforcementLevel ?? "advisory", urn, message }),
    );
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
  return out;
}

/** Every violation of the whole pack over a synthesised graph (custom resources only, as the engine sees them). */
export async function runPolicyPack(resources: readonly GraphResource[]): Promise<Violation[]> {
  const inputs = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map(fromGraph);
  const violations: Violation[] = [];
  for (const policy of POLICIES.resource) for (const input of inputs) violations.push(...(await checkResource(policy, input)));
  for (const policy of POLICIES.stack) violations.push(...(await checkStack(policy, inputs)));
  return violations;
}
