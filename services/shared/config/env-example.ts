// Renders .env.example from the config specs, so the documentation cannot drift from the code.

import { isComputedDefault, type AnyVarSpec } from "./spec.js";
import { CONFIG_GROUPS } from "./specs.js";

const HEADER = [
  "# Titan configuration: every environment variable any Titan process reads.",
  "# Generated from services/shared/config/specs.ts by `npm run env:example`; do not edit by hand",
  "# (`npm run env:example -- --check` and the unit tests fail when this file is stale).",
  "#",
  "# Copy what you need to your process manager's environment. An empty value counts as unset.",
  "# Commented lines show defaults. Variables marked [secret] may instead be given as <NAME>_FILE,",
  "# the path of a file holding the value (a trailing newline is ignored); setting both is an error.",
  "# Secrets never belong in this file or in the repository.",
];

const defaultText = (variable: AnyVarSpec): string | undefined => {
  const value = variable.default;
  if (value === undefined) return undefined;
  return isComputedDefault(value) ? value.describe : String(value);
};

function renderVariable(variable: AnyVarSpec): string[] {
  const lines = [`# ${variable.description}`];
  const fallback = defaultText(variable);
  const presence = variable.required ? "Required" : fallback !== undefined ? `Default: ${fallback}` : "Optional, unset by default";
  lines.push(`# ${presence}. Must be ${variable.expected}.`);
  if (variable.requires.length > 0) lines.push(`# Set together with ${variable.requires.join(", ")}.`);
  if (variable.secret) lines.push(`# [secret] May be given as ${variable.name}_FILE=/path/to/file instead.`);
  // Only literal defaults are shown as values: a computed one depends on the machine.
  const shown = fallback !== undefined && !isComputedDefault(variable.default) ? fallback : "";
  lines.push(variable.required ? `${variable.name}=` : `#${variable.name}=${shown}`);
  return lines;
}

export type ConfigGroup = { readonly title: string; readonly vars: readonly AnyVarSpec[] };

/** Renders the shared groups and, after them, the groups services define for themselves. */
export function renderEnvExample(serviceGroups: readonly ConfigGroup[] = []): string {
  const out = [...HEADER];
  const documented = new Set<string>();
  for (const group of [...CONFIG_GROUPS, ...serviceGroups]) {
    out.push("", `# ===== ${group.title} =====`);
    for (const variable of group.vars) {
      out.push("");
      if (documented.has(variable.name)) {
        out.push(`# ${variable.name}: as above.`);
        continue;
      }
      documented.add(variable.name);
      out.push(...renderVariable(variable));
    }
  }
  return `${out.join("\n")}\n`;
}
