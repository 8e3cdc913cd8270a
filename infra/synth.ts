// `npm run synth -- --stack dev|prod`: runs the Pulumi program offline under mocks and writes
// build/synth/<stack>/ (resources.json, manifests, Helm releases, rule files, dashboards, summary).
// Two runs give identical bytes. See infra/README.md.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Command, Option } from "commander";
import { STACK_NAMES, type StackName } from "./config.js";
import { renderSynth, summarise } from "./synth/render.js";
import { REPO_DIR, synthStack } from "./synth/synth-stack.js";

export { synthStack, type SynthResult } from "./synth/synth-stack.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Writes one stack's artefacts into <outDir>/<stack>/, replacing what was there. */
export async function writeSynth(stack: StackName, outDir: string): Promise<{ dir: string; files: number; seconds: number; resources: number }> {
  const result = await synthStack(stack);
  const files = renderSynth(result);
  const dir = join(outDir, stack);
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const summary = summarise(result);
  say(`${stack}: ${summary.resources} resources (${summary.customResources} custom, ${summary.components} components; ${summary.kubernetesManifests} Kubernetes manifests, ${summary.helmReleases} Helm releases) in ${result.seconds.toFixed(2)} s`);
  for (const [component, count] of Object.entries(summary.byComponent)) say(`  ${String(count).padStart(4)}  ${component}`);
  say(`  wrote ${files.size} files to ${relative(process.cwd(), dir) || "."}`);
  return { dir, files: files.size, seconds: result.seconds, resources: summary.resources };
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("synth")
    .description("Synthesise a Pulumi stack offline (mocks: no CLI, no cloud, no cluster) into build/synth/<stack>/")
    .addOption(new Option("--stack <stack>", "stack to synthesise").choices([...STACK_NAMES, "all"]).default("all"))
    .option("--out <dir>", "output folder", join(REPO_DIR, "build", "synth"))
    .addHelpText("after", "\nWrites resources.json (every resource, sorted, secrets redacted), manifests/, helm/, rules/, dashboards/ and summary.json.\nExample: npm run synth -- --stack prod");
  program.parse(argv);
  const opts = program.opts<{ stack: StackName | "all"; out: string }>();
  const stacks: StackName[] = opts.stack === "all" ? [...STACK_NAMES] : [opts.stack];
  const started = performance.now();
  for (const stack of stacks) {
    say(`synthesising ${stack}...`);
    await writeSynth(stack, opts.out);
  }
  say(`done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
