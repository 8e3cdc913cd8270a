#!/usr/bin/env node
// titanctl: the on-call CLI. In a checkout it runs the TypeScript sources (never a stale build); where
// only the compiled build is shipped, it runs that.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const source = fileURLToPath(new URL("../services/cli/titanctl.ts", import.meta.url));
const compiled = fileURLToPath(new URL("../dist/services/cli/titanctl.js", import.meta.url));
if (existsSync(source) || !existsSync(compiled)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(compiled).href);
}
