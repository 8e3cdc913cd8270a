#!/usr/bin/env node
// titanctl: the on-call CLI. Runs the compiled build when present, the TypeScript sources otherwise.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const compiled = fileURLToPath(new URL("../dist/services/cli/titanctl.js", import.meta.url));
if (existsSync(compiled) && !process.env.TITANCTL_FROM_SOURCE) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../services/cli/titanctl.ts", import.meta.url).href);
}
