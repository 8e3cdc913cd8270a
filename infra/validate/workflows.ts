// Validates GitHub workflow files against GitHub's schema with @action-validator/core (offline).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { validateWorkflow } from "@action-validator/core";

export interface WorkflowVerdict {
  readonly file: string;
  readonly errors: readonly string[];
}

export function validateWorkflowText(file: string, text: string): WorkflowVerdict {
  const state = validateWorkflow(text);
  return { file, errors: state.errors.map((e) => `${"path" in e ? `${e.path}: ` : ""}${e.title}${e.detail ? ` (${e.detail})` : ""}`) };
}

/** Every .yml/.yaml file of a workflows folder. */
export function validateWorkflowDir(dir: string): WorkflowVerdict[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => validateWorkflowText(f, readFileSync(join(dir, f), "utf8")));
}
