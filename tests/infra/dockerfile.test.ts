// The Dockerfile, checked without building it (no Docker, Buildah or Podman engine runs on these
// machines, and no base image can be pulled): every file it copies is in the repository and in the
// build context, every command the Kubernetes objects give the image is one its entry point knows and
// runs a program the image's build compiles, it runs as the non-root user the pods require, and it
// carries no secret. The image itself stays unverified until built elsewhere (infra/README.md).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { SERVICE_NAMES } from "../../ops/index.js";
import { provisioningJobSpec } from "../../infra/k8s/db-provision.js";
import { RUN_AS_USER, workloadObjects } from "../../infra/k8s/workload-spec.js";
import { RDS_CA_BUNDLE } from "../../infra/program.js";
import { REPO_DIR } from "../../infra/synth/synth-stack.js";
import { copyInstructions, entrypointCommands, finalUser, inBuildContext, parseDockerfile } from "../../infra/validate/dockerfile.js";

const read = (path: string) => readFileSync(join(REPO_DIR, path), "utf8");
const dockerfile = parseDockerfile(read("Dockerfile"));
const dockerignore = read(".dockerignore");
const copies = copyInstructions(dockerfile);
const runs = dockerfile.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
const ENTRYPOINT_SCRIPT = "infra/image/entrypoint.sh";
const commands = entrypointCommands(read(ENTRYPOINT_SCRIPT));

/** What `npm run build` and `tsc -p <config>` in the Dockerfile compile, as the dist paths they write. */
function compiledPrograms(): Set<string> {
  const configs: string[] = [];
  const build = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts.build ?? "";
  for (const run of runs) {
    if (run.includes("npm run build")) configs.push(...[...build.matchAll(/tsc -p (\S+)/g)].map((m) => m[1]!));
    configs.push(...[...run.matchAll(/tsc -p (\S+)/g)].map((m) => m[1]!));
  }
  const out = new Set<string>();
  for (const config of configs) {
    const file = join(REPO_DIR, config);
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, join(file, ".."));
    const rootDir = parsed.options.rootDir ?? REPO_DIR;
    const outDir = parsed.options.outDir ?? REPO_DIR;
    for (const source of parsed.fileNames) out.add(relative(REPO_DIR, join(outDir, relative(rootDir, source))).replace(/\.ts$/, ".js"));
  }
  return out;
}

describe("the Dockerfile", () => {
  it("copies only files that exist in the repository and reach the build context", () => {
    const local = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources.filter((s) => !/^https?:\/\//.test(s)));
    expect(local.length).toBeGreaterThan(5);
    expect(local.filter((s) => !existsSync(join(REPO_DIR, s)))).toEqual([]);
    expect(local.filter((s) => !inBuildContext(s, dockerignore))).toEqual([]);
  });

  it("takes into the runtime stage only what the build stage made: its dist, node_modules and package.json", () => {
    const fromBuild = copies.filter((c) => c.from === "build").flatMap((c) => c.sources);
    expect(fromBuild.sort()).toEqual(["/src/dist", "/src/node_modules", "/src/package.json"]);
    expect(runs.some((r) => r.includes("npm ci"))).toBe(true);
    expect(runs.some((r) => r.includes("npm run build"))).toBe(true);
  });

  it("gives every command the Kubernetes objects run an entry point whose program the build compiles", () => {
    const programs = compiledPrograms();
    const asked = [
      ...SERVICE_NAMES.map((service) => {
        const spec = workloadObjects({ service, image: "img", env: {}, secretFiles: [], tlsSecretName: "t" }).spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- pod spec JSON
        const pod = spec.jobTemplate?.spec?.template?.spec ?? spec.template.spec;
        return pod.containers[0].args[0] as string;
      }),
      provisioningJobSpec({ image: "img", database: { host: "h", port: 5432, name: "titan" }, ca: { kind: "internal" } }).template.spec.containers[0]!.args[0]!,
    ];
    expect(asked).toEqual([...SERVICE_NAMES, "provision-database"]);
    for (const command of asked) {
      const program = commands.get(command);
      expect(program, `the entry point does not know '${command}'`).toBeDefined();
      expect(program!.startsWith("/app/dist/"), program).toBe(true);
      expect(programs.has(program!.replace("/app/", "")), `${program} is not compiled by the image's build`).toBe(true);
    }
  });

  it("runs the long-running services with the V8 flags the local stack gives them, and the nightly job without", () => {
    // The entry point run for real by sh, with a `node` on PATH that prints what it was asked to run.
    const bin = mkdtempSync(join(tmpdir(), "titan-entrypoint-"));
    writeFileSync(join(bin, "node"), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
    const run = (command: string): string => {
      const r = spawnSync("sh", [join(REPO_DIR, ENTRYPOINT_SCRIPT), command, "--flag"], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const ecosystem = createRequire(import.meta.url)(join(REPO_DIR, "ecosystem.config.cjs")) as { apps: Array<{ name: string; args: string[] }> };
    const stackFlags = (name: string): string[] => ecosystem.apps.find((a) => a.name === name)!.args.filter((a) => a.startsWith("--") && !a.startsWith("--env-file="));
    for (const service of ["brain", "execution", "console", "scavenger"]) {
      expect(stackFlags(service).length, service).toBeGreaterThan(0);
      expect(run(service)).toBe([...stackFlags(service), `/app/dist/services/${service}/main.js`, "--flag"].join(" "));
    }
    expect(stackFlags("ai-quant")).toEqual([]);
    expect(run("ai-quant")).toBe("/app/dist/services/ai-quant/main.js --flag");
    rmSync(bin, { recursive: true, force: true });
  });

  it("installs that entry point where ENTRYPOINT runs it", () => {
    const entry = dockerfile.instructions.filter((i) => i.keyword === "ENTRYPOINT").pop()?.args;
    const target = (JSON.parse(entry ?? "[]") as string[])[0];
    expect(copies.some((c) => c.sources.includes(ENTRYPOINT_SCRIPT) && c.destination === target && c.flags.chmod === "0555")).toBe(true);
  });

  it("runs as the numeric non-root user the pods' securityContext requires", () => {
    const user = finalUser(dockerfile);
    expect(user).toBe(`${RUN_AS_USER}:${RUN_AS_USER}`);
    expect(Number(user?.split(":")[0])).toBeGreaterThan(0);
  });

  it("bakes in the RDS CA bundle the prod pods trust (NODE_EXTRA_CA_CERTS)", () => {
    expect(copies.some((c) => c.keyword === "ADD" && c.destination === RDS_CA_BUNDLE && c.sources[0]?.startsWith("https://truststore.pki.rds.amazonaws.com/"))).toBe(true);
  });

  it("pins its base image and holds no secret: no credential in ENV or ARG, none copied, .env files outside the context", () => {
    for (const stage of dockerfile.stages) {
      const image = stage.image.replace(/^\$\{(\w+)\}$/, (_, arg: string) => dockerfile.globalArgs[arg] ?? "");
      expect(image, stage.image).toMatch(/^[\w./-]+:(?!latest$)[\w.-]+$/);
    }
    const declared = dockerfile.instructions.filter((i) => i.keyword === "ENV" || i.keyword === "ARG").map((i) => i.args.split(/[=\s]/)[0]!);
    expect(declared.filter((name) => /pass|secret|token|api_?key|private/i.test(name))).toEqual([]);
    // (a public CA bundle fetched over HTTPS is no secret; a key or .env file from the repository would be)
    expect(copies.flatMap((c) => c.sources).filter((s) => !s.startsWith("https://") && /(^|\/)\.env|\.pem$|\.key$|id_rsa/.test(s))).toEqual([]);
    for (const path of [".env", ".env.production", ".titan/ca/ca.key", "node_modules/x", "tests/e2e/x.ts"]) expect(inBuildContext(path, dockerignore), path).toBe(false);
    for (const path of ["infra/image/entrypoint.sh", "infra/image/provision-database.ts", "services/brain/main.ts"]) expect(inBuildContext(path, dockerignore), path).toBe(true);
    expect(inBuildContext("infra/k8s/workloads.ts", dockerignore)).toBe(false);
  });
});

describe("the image's entry point", () => {
  const sh = (...args: string[]) => spawnSync("sh", [join(REPO_DIR, ENTRYPOINT_SCRIPT), ...args], { encoding: "utf8" });

  it("parses as a POSIX shell script", () => {
    expect(spawnSync("sh", ["-n", join(REPO_DIR, ENTRYPOINT_SCRIPT)]).status).toBe(0);
  });

  it("refuses an unknown command with its usage and exit 64, before running anything", () => {
    const res = sh("bitcoin-miner");
    expect(res.status).toBe(64);
    expect(res.stderr).toContain("usage: <image> brain|execution|console|scavenger|ai-quant|provision-database");
  });
});

describe("the Dockerfile reader", () => {
  it("joins continuations, tracks stages and reads COPY flags", () => {
    const parsed = parseDockerfile("ARG B=node:20\nFROM ${B} AS build\nRUN a \\\n  && b\nFROM x:1\nCOPY --from=build --chown=1:1 /src/dist ./dist\nUSER 5:5\n");
    expect(parsed.stages.map((s) => s.name)).toEqual(["build", undefined]);
    expect(parsed.instructions.find((i) => i.keyword === "RUN")?.args).toBe("a    && b");
    expect(copyInstructions(parsed)[0]).toMatchObject({ from: "build", sources: ["/src/dist"], destination: "./dist", stage: 1 });
    expect(finalUser(parsed)).toBe("5:5");
  });

  it("applies .dockerignore patterns in order, `!` re-including", () => {
    const ignore = "infra\n!infra/image\n*.log\ndocs/**/draft.md";
    expect(inBuildContext("infra/image/x.ts", ignore)).toBe(true);
    expect(inBuildContext("infra/aws/x.ts", ignore)).toBe(false);
    expect(inBuildContext("a.log", ignore)).toBe(false);
    expect(inBuildContext("docs/a/b/draft.md", ignore)).toBe(false);
    expect(inBuildContext("docs/a/b/final.md", ignore)).toBe(true);
  });
});
