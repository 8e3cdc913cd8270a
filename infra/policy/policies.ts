// The whole policy pack as plain data: runnable in-process (run.ts, the tests) and served to the
// Pulumi CLI by index.ts. Every policy is mandatory: a violation blocks `pulumi preview` and `up`.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { AWS_POLICIES } from "./aws-policies.js";
import { K8S_POLICIES } from "./k8s-policies.js";

export const POLICIES: { readonly resource: readonly ResourceValidationPolicy[]; readonly stack: readonly StackValidationPolicy[] } = {
  resource: [...K8S_POLICIES.resource, ...AWS_POLICIES.resource],
  stack: [...K8S_POLICIES.stack, ...AWS_POLICIES.stack],
};

export const POLICY_NAMES: readonly string[] = [...POLICIES.resource, ...POLICIES.stack].map((p) => p.name);
