import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CONFIG_GROUPS, renderEnvExample } from "../services/shared/config/index.js";
import { SERVICE_CONFIG_GROUPS } from "./env-groups.js";

const committed = readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), "../.env.example"), "utf8");

describe(".env.example", () => {
  it("matches what `npm run env:example` generates (regenerate and commit it if this fails)", () => {
    expect(committed).toBe(renderEnvExample(SERVICE_CONFIG_GROUPS));
  });

  it("documents every variable of every spec, with _FILE for each secret", () => {
    for (const variable of [...CONFIG_GROUPS, ...SERVICE_CONFIG_GROUPS].flatMap((group) => group.vars)) {
      expect(committed).toMatch(new RegExp(`^#? ?${variable.name}[=:]`, "m"));
      if (variable.secret) expect(committed).toContain(`${variable.name}_FILE=`);
    }
  });

  it("holds no secret value", () => {
    const assignments = committed.split("\n").filter((line) => /^#?TITAN_[A-Z_]+=/.test(line));
    for (const line of assignments.filter((l) => /(SECRET|PASSWORD|TOKEN)=/.test(l))) expect(line).toMatch(/=$/);
  });
});
