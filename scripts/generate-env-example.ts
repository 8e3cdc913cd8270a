// Writes .env.example from services/shared/config (every variable of every spec), or with --check
// verifies that the committed file is current.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { renderEnvExample } from "../services/shared/config/env-example.js";
import { SERVICE_CONFIG_GROUPS } from "./env-groups.js";

const TARGET = join(dirname(fileURLToPath(import.meta.url)), "..", ".env.example");

const USAGE = `Usage: npm run env:example [-- --check]

Regenerates .env.example from the configuration specs in services/shared/config/specs.ts and the
services' own specs listed in scripts/env-groups.ts.

  --check   do not write; exit 1 if .env.example differs from what would be generated
  --help    show this help`;

function main(args: readonly string[]): number {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`generate-env-example: unknown argument ${unknown.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const expected = renderEnvExample(SERVICE_CONFIG_GROUPS);
  const shownPath = relative(process.cwd(), TARGET) || TARGET;
  if (args.includes("--check")) {
    let actual: string | undefined;
    try {
      actual = readFileSync(TARGET, "utf8");
    } catch {
      actual = undefined;
    }
    if (actual === expected) {
      console.log(`${shownPath} is up to date`);
      return 0;
    }
    console.error(`${shownPath} is ${actual === undefined ? "missing" : "out of date"}: run \`npm run env:example\` and commit the result`);
    return 1;
  }
  writeFileSync(TARGET, expected);
  console.log(`wrote ${shownPath}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
