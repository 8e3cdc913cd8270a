// The GitHub workflows validate against GitHub's schema, and do what the GitOps flow promises.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_DIR } from "../../infra/synth/synth-stack.js";
import { validateWorkflowDir, validateWorkflowText } from "../../infra/validate/workflows.js";

const dir = join(REPO_DIR, ".github", "workflows");
const workflow = (file: string) => parse(readFileSync(join(dir, file), "utf8")) as { jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown>; run?: string }[]; environment?: string; needs?: string }> };

describe("workflows", () => {
  it("validate with @action-validator/core", () => {
    const verdicts = validateWorkflowDir(dir);
    expect(verdicts.map((v) => v.file)).toEqual(["main.yml", "pull-request.yml"]);
    expect(verdicts.filter((v) => v.errors.length > 0)).toEqual([]);
  });

  it("the validator catches a broken workflow", () => {
    expect(validateWorkflowText("broken.yml", "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n").errors).not.toEqual([]);
  });

  it("pull requests run the tests, synth both stacks with a diff comment, and preview with the policy pack", () => {
    const pr = workflow("pull-request.yml");
    expect(pr.jobs.test?.steps?.some((s) => s.run === "npm test")).toBe(true);
    expect(JSON.stringify(pr.jobs["synth-diff"])).toContain("npm run synth -- --stack all");
    const preview = pr.jobs.preview?.steps?.find((s) => s.uses?.startsWith("pulumi/actions"));
    expect(preview?.with).toMatchObject({ command: "preview", policyPacks: "infra/policy" });
  });

  it("main deploys dev, then prod behind the production environment's approval", () => {
    const main = workflow("main.yml");
    expect(main.jobs["deploy-prod"]).toMatchObject({ needs: "deploy-dev", environment: "production" });
    expect(main.jobs["deploy-prod"]?.steps?.find((s) => s.uses?.startsWith("pulumi/actions"))?.with).toMatchObject({ command: "up", "stack-name": "prod" });
  });
});
