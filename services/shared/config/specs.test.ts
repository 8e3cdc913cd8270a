import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { SERVICES, SERVICE_NAMES } from "../../../ops/services.js";
import { loadServiceConfig, loadTitanctlConfig, serviceConfigSpec, withPassword, type ConfigError, type ServiceConfig } from "./index.js";

const BASE = {
  TITAN_DATABASE_URL: "postgres://titan@127.0.0.1:5432/titan",
  TITAN_REDIS_URL: "redis://127.0.0.1:6379",
  TITAN_SERVICE_TOKEN_SECRET: "x".repeat(32),
};

const COMMON_NAMES = [
  "TITAN_ENV",
  "TITAN_LOG_LEVEL",
  "TITAN_HTTP_HOST",
  "TITAN_HTTP_PORT",
  "TITAN_DATABASE_URL",
  "TITAN_DATABASE_PASSWORD",
  "TITAN_DATABASE_SSL",
  "TITAN_DATABASE_POOL_MAX",
  "TITAN_REDIS_URL",
  "TITAN_REDIS_PASSWORD",
  "TITAN_SERVICE_TOKEN_SECRET",
  "TITAN_STATE_DIR",
  "TITAN_INSTANCE_ID",
  "TITAN_TLS_CERT_FILE",
  "TITAN_TLS_KEY_FILE",
  "TITAN_TLS_CA_FILE",
  "TITAN_RATE_LIMIT_PER_MINUTE",
  "TITAN_BODY_LIMIT_BYTES",
];

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
const scratchDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
};

describe("service configuration", () => {
  it("gives every service the common variables, plus its own extras", () => {
    expect(serviceConfigSpec("brain").map((v) => v.name)).toEqual(COMMON_NAMES);
    expect(serviceConfigSpec("console").map((v) => v.name)).toEqual([...COMMON_NAMES, "TITAN_BOOTSTRAP_TOKEN_FILE"]);
    expect(serviceConfigSpec("ai-quant").map((v) => v.name)).toEqual([...COMMON_NAMES, "TITAN_PUSHGATEWAY_URL"]);
    const secrets = serviceConfigSpec("brain").filter((v) => v.secret).map((v) => v.name);
    expect(secrets).toEqual(["TITAN_DATABASE_PASSWORD", "TITAN_REDIS_PASSWORD", "TITAN_SERVICE_TOKEN_SECRET"]);
  });

  it("defaults everything but the database, Redis and the service token secret", () => {
    const config = loadServiceConfig("brain", BASE);
    expect(config).toEqual({
      env: "development",
      logLevel: "info",
      httpHost: "127.0.0.1",
      httpPort: 3100,
      databaseUrl: BASE.TITAN_DATABASE_URL,
      databasePassword: undefined,
      databaseSsl: false,
      databasePoolMax: 10,
      redisUrl: BASE.TITAN_REDIS_URL,
      redisPassword: undefined,
      serviceTokenSecret: BASE.TITAN_SERVICE_TOKEN_SECRET,
      stateDir: ".titan",
      instanceId: `${hostname()}-${process.pid}`,
      tlsCertFile: undefined,
      tlsKeyFile: undefined,
      tlsCaFile: undefined,
      rateLimitPerMinute: 600,
      bodyLimitBytes: 1_048_576,
    });
  });

  it.each(SERVICE_NAMES)("defaults %s's port to the one in ops/services.ts", (service) => {
    expect(loadServiceConfig(service, BASE).httpPort).toBe(SERVICES[service].httpPort ?? undefined);
  });

  it("puts the console's bootstrap token file under the state folder", () => {
    expect(loadServiceConfig("console", BASE).bootstrapTokenFile).toBe(".titan/secrets/bootstrap-admin-token");
    expect(loadServiceConfig("console", { ...BASE, TITAN_STATE_DIR: "/srv/titan" }).bootstrapTokenFile).toBe("/srv/titan/secrets/bootstrap-admin-token");
  });

  it("reports every missing and malformed variable in one error", () => {
    let problems: readonly string[] = [];
    try {
      loadServiceConfig("brain", {
        TITAN_HTTP_PORT: "abc",
        TITAN_DATABASE_URL: "http://db",
        TITAN_REDIS_URL: "redis://127.0.0.1:6379",
        TITAN_SERVICE_TOKEN_SECRET: "short",
        TITAN_TLS_KEY_FILE: "/k.pem",
        TITAN_ENV: "staging",
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      "TITAN_ENV: must be one of development, test, production, got 'staging'",
      "TITAN_HTTP_PORT: must be an integer 0-65535 (0 = any free port), got 'abc'",
      "TITAN_DATABASE_URL: must be a URL starting postgres:// or postgresql://, got 'http://db'",
      "TITAN_SERVICE_TOKEN_SECRET: must be a string of at least 32 characters, got a value of 5 characters",
      "TITAN_TLS_KEY_FILE: is set, so TITAN_TLS_CERT_FILE must be set too",
    ]);
  });

  it("accepts port 0, any free port, for tests", () => {
    expect(loadServiceConfig("brain", { ...BASE, TITAN_HTTP_PORT: "0" }).httpPort).toBe(0);
  });

  it("refuses to start a listening service in production without its TLS certificate, naming both variables", () => {
    const problemsOf = (service: (typeof SERVICE_NAMES)[number], env: Record<string, string>): readonly string[] => {
      try {
        loadServiceConfig(service, env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    const tlsProblem = "TITAN_TLS_CERT_FILE, TITAN_TLS_KEY_FILE: are required with TITAN_ENV=production (the service listens with HTTPS only, TLS 1.3)";
    for (const service of ["brain", "execution", "console", "scavenger"] as const) expect(problemsOf(service, { ...BASE, TITAN_ENV: "production" }), service).toEqual([tlsProblem]);
    // Reported together with every other problem, not after them.
    expect(problemsOf("brain", { ...BASE, TITAN_ENV: "production", TITAN_HTTP_PORT: "abc" })).toEqual(["TITAN_HTTP_PORT: must be an integer 0-65535 (0 = any free port), got 'abc'", tlsProblem]);
    // The ai-quant job listens on nothing; its API process does, and is held to the rule.
    expect(problemsOf("ai-quant", { ...BASE, TITAN_ENV: "production" })).toEqual([]);
    expect(problemsOf("ai-quant", { ...BASE, TITAN_ENV: "production", TITAN_HTTP_PORT: "3200" })).toEqual([tlsProblem]);
    // Plain HTTP stays possible outside production, for in-process tests.
    expect(problemsOf("brain", { ...BASE, TITAN_ENV: "test" })).toEqual([]);
    const withTls = loadServiceConfig("brain", { ...BASE, TITAN_ENV: "production", TITAN_TLS_CERT_FILE: "/c.pem", TITAN_TLS_KEY_FILE: "/k.pem", TITAN_TLS_CA_FILE: "/ca.pem" });
    expect(withTls).toMatchObject({ env: "production", tlsCertFile: "/c.pem", tlsKeyFile: "/k.pem", tlsCaFile: "/ca.pem" });
  });

  it("accepts rediss:// and a TLS certificate with its key", () => {
    const config = loadServiceConfig("execution", { ...BASE, TITAN_REDIS_URL: "rediss://cache:6380", TITAN_TLS_CERT_FILE: "/c.pem", TITAN_TLS_KEY_FILE: "/k.pem" });
    expect(config).toMatchObject({ redisUrl: "rediss://cache:6380", tlsCertFile: "/c.pem", tlsKeyFile: "/k.pem" });
  });
});

describe("titanctl configuration", () => {
  it("defaults to the local entry point and CA", () => {
    const dir = scratchDir("titanctl-");
    expect(loadTitanctlConfig({ TITAN_STATE_DIR: dir })).toEqual({
      apiUrl: "https://127.0.0.1:8443",
      token: undefined,
      stateDir: dir,
      caFile: join(dir, "ca", "ca.crt"),
      bootstrapTokenFile: join(dir, "secrets", "bootstrap-admin-token"),
      tokenSource: "none",
    });
    expect(loadTitanctlConfig({}).caFile).toBe(".titan/ca/ca.crt");
  });

  it("falls back to the bootstrap admin token file, and prefers TITAN_TOKEN", () => {
    const dir = scratchDir("titanctl-");
    mkdirSync(join(dir, "secrets"));
    writeFileSync(join(dir, "secrets", "bootstrap-admin-token"), "bootstrap-token-value\n", { mode: 0o600 });
    expect(loadTitanctlConfig({ TITAN_STATE_DIR: dir })).toMatchObject({ token: "bootstrap-token-value", tokenSource: "bootstrap-file" });
    expect(loadTitanctlConfig({ TITAN_STATE_DIR: dir, TITAN_TOKEN: "explicit" })).toMatchObject({ token: "explicit", tokenSource: "TITAN_TOKEN" });
  });
});

describe("withPassword", () => {
  it("puts a separately supplied password into the URL, escaped", () => {
    expect(withPassword("postgres://titan@db:5432/titan", "p@ss/word")).toBe("postgres://titan:p%40ss%2Fword@db:5432/titan");
    expect(withPassword("redis://127.0.0.1:6379", undefined)).toBe("redis://127.0.0.1:6379");
  });
});

describe("loadServiceConfigOrExit in a real process", () => {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

  it("exits 1 and prints one line per problem, nothing else", () => {
    const script = join(scratchDir("titan-exit-"), "main.ts");
    const entry = join(repoRoot, "services/shared/config/index.ts");
    writeFileSync(script, `import { loadServiceConfigOrExit } from ${JSON.stringify(entry)};\nloadServiceConfigOrExit("brain");\nconsole.log("started");\n`);
    const child = spawnSync(process.execPath, ["--import", "tsx", script], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TITAN_HTTP_PORT: "abc", TITAN_DATABASE_URL: "mysql://db", TITAN_SERVICE_TOKEN_SECRET: "short" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.status).toBe(1);
    expect(child.stdout).toBe("");
    expect(child.stderr.trimEnd().split("\n")).toEqual([
      "TITAN_HTTP_PORT: must be an integer 0-65535 (0 = any free port), got 'abc'",
      "TITAN_DATABASE_URL: must be a URL starting postgres:// or postgresql://, got 'mysql://db'",
      "TITAN_REDIS_URL: is required but not set (a URL starting redis:// or rediss://)",
      "TITAN_SERVICE_TOKEN_SECRET: must be a string of at least 32 characters, got a value of 5 characters",
    ]);
  });
});

describe("typed results", () => {
  it("types each service's configuration precisely", () => {
    const consoleConfig = loadServiceConfig("console", BASE);
    expectTypeOf(consoleConfig.httpPort).toEqualTypeOf<number>();
    expectTypeOf(consoleConfig.bootstrapTokenFile).toEqualTypeOf<string>();
    expectTypeOf(consoleConfig.databasePassword).toEqualTypeOf<string | undefined>();
    expectTypeOf(consoleConfig.env).toEqualTypeOf<"development" | "test" | "production">();
    expectTypeOf(consoleConfig.databaseSsl).toEqualTypeOf<boolean>();
    const quant = loadServiceConfig("ai-quant", BASE);
    expectTypeOf(quant.httpPort).toEqualTypeOf<number | undefined>();
    expectTypeOf(quant.pushgatewayUrl).toEqualTypeOf<string | undefined>();
    expectTypeOf<ServiceConfig>().not.toHaveProperty("bootstrapTokenFile");
    expectTypeOf<ServiceConfig["databaseUrl"]>().toEqualTypeOf<string>();
    expectTypeOf(loadTitanctlConfig({}).token).toEqualTypeOf<string | undefined>();
  });
});
