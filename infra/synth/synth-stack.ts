// Runs one stack's program in-process under Pulumi's mocks: no CLI, no cloud, no Kubernetes API.
// The mocks are installed before the program's modules are imported (tooling.md), with preview off so
// every output resolves. Callable repeatedly in one process (the bench, the cost estimator).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { StackName } from "../config.js";
import { plain, recordRegistrations, type GraphResource, type Json, type MonitorLike } from "./graph.js";
import { titanMocks } from "./mocks.js";

export const PROJECT = "titan";
export const REPO_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface SynthResult {
  readonly stack: StackName;
  /** Every registration, sorted by URN, secrets redacted. */
  readonly resources: readonly GraphResource[];
  /** The stack's outputs, as `pulumi stack output` would show them. */
  readonly outputs: { readonly [key: string]: Json };
  /** Wall time of this synth, for progress and the bench; never written to the synth files. */
  readonly seconds: number;
}

/**
 * Pulumi.<stack>.yaml's `config:` as the CLI hands it to a program: namespaced keys, strings, objects
 * as JSON text.
 */
export function readStackConfigFile(stack: StackName, repoDir: string = REPO_DIR): Record<string, string> {
  const file = join(repoDir, `Pulumi.${stack}.yaml`);
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config = document?.config ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.includes(":")) throw new Error(`${file}: config key '${key}' needs a namespace, such as titan:${key}`);
    if (value !== null && typeof value === "object" && "secure" in value) throw new Error(`${file}: ${key} is an encrypted value; the offline synth cannot decrypt it`);
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export async function synthStack(stack: StackName, opts: { readonly repoDir?: string } = {}): Promise<SynthResult> {
  const started = performance.now();
  const configValues = readStackConfigFile(stack, opts.repoDir);
  // The alert rules and dashboards create no resource, so they may load before the mocks are set, and
  // loading them alongside Pulumi hides most of their import time (hundreds of small ESM modules).
  const inputsModule = import("../monitoring-inputs.js");
  const pulumi = await import("@pulumi/pulumi");
  const runtime = pulumi.runtime as typeof pulumi.runtime & { getMonitor(): MonitorLike | undefined; waitForRPCs(): Promise<void> };
  await runtime.setMocks(titanMocks(configValues["titan:region"] ?? "us-east-1"), PROJECT, stack, false);
  runtime.setAllConfig(configValues);
  const monitor = runtime.getMonitor();
  if (!monitor) throw new Error("synth: the mock monitor is not installed");
  const recorder = recordRegistrations(monitor);

  // Imported only now, after setMocks, as the Pulumi runtime requires.
  const { parseStackConfig } = await import("../config.js");
  const { defineStack } = await import("../program.js");
  const { monitoringInputs } = await inputsModule;

  const config = parseStackConfig(stack, (key) => configValues[`${PROJECT}:${key}`]);
  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  // Pulumi captures an unbounded stack trace per resource for its source position, and tsx maps each
  // through source maps: together the largest cost of a synth after the imports. The mocks never read
  // source positions, so the synth skips them (Resource.callsites is public; restored afterwards).
  const sourceMaps = process.sourceMapsEnabled;
  const resourceClass = pulumi.Resource as unknown as { callsites?: () => unknown[] };
  const callsites = resourceClass.callsites;
  process.setSourceMapsEnabled(false);
  if (typeof callsites === "function") resourceClass.callsites = () => [];
  try {
    const outputs = defineStack(config, monitoringInputs());
    const resolved = await new Promise<unknown>((resolve) => pulumi.output(outputs).apply((value) => resolve(value)));
    await runtime.waitForRPCs();
    if (failures.length > 0) throw failures[0];
    const plainOutputs = plain(resolved);
    return {
      stack,
      resources: recorder.resources(),
      outputs: plainOutputs !== null && typeof plainOutputs === "object" && !Array.isArray(plainOutputs) ? plainOutputs : {},
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (typeof callsites === "function") resourceClass.callsites = callsites;
    process.setSourceMapsEnabled(sourceMaps);
    process.off("unhandledRejection", onRejection);
  }
}
